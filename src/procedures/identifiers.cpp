#include "identifiers.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace guichet::procedures {
namespace {

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Without spaces, dots and dashes: the separators people type inside numbers.
std::string compact(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '.' && c != '-' && c != '\t') out += c;
  }
  return out;
}

int digit(char c) { return c - '0'; }

}  // namespace

std::optional<std::string> normalised_postcode(std::string_view country, std::string_view raw) {
  std::string text(raw);
  text.erase(0, text.find_first_not_of(' '));
  text.erase(text.find_last_not_of(' ') + 1);
  if (country == "PT") {
    if (text.size() == 8 && text[4] == '-' && all_digits(text.substr(0, 4)) && all_digits(text.substr(5))) return text;
    if (text.size() == 7 && all_digits(text)) return text.substr(0, 4) + "-" + text.substr(4);
    return std::nullopt;
  }
  if (country == "FR") return text.size() == 5 && all_digits(text) ? std::optional(text) : std::nullopt;
  if (country == "VN") return text.size() == 6 && all_digits(text) ? std::optional(text) : std::nullopt;
  return std::nullopt;
}

std::optional<std::string> normalised_iban(std::string_view raw) {
  std::string iban;
  for (char c : raw) {
    if (c == ' ' || c == '-') continue;
    iban += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (iban.size() < 15 || iban.size() > 34) return std::nullopt;
  if (!std::isalpha(static_cast<unsigned char>(iban[0])) || !std::isalpha(static_cast<unsigned char>(iban[1])) ||
      !std::isdigit(static_cast<unsigned char>(iban[2])) || !std::isdigit(static_cast<unsigned char>(iban[3]))) {
    return std::nullopt;
  }
  if (!std::all_of(iban.begin(), iban.end(), [](unsigned char c) { return std::isalnum(c); })) return std::nullopt;
  const std::string country = iban.substr(0, 2);
  if ((country == "PT" && iban.size() != 25) || (country == "FR" && iban.size() != 27)) return std::nullopt;
  // ISO 13616: the first four characters moved to the end, letters as 10 to 35, mod 97 is 1.
  const std::string rearranged = iban.substr(4) + iban.substr(0, 4);
  int remainder = 0;
  for (char c : rearranged) {
    const int value = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'A' + 10;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  if (remainder != 1) return std::nullopt;
  return iban;
}

std::string grouped_iban(std::string_view iban) {
  std::string out;
  for (std::size_t i = 0; i < iban.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += iban[i];
  }
  return out;
}

std::optional<std::string> normalised_national_id(std::string_view country, std::string_view raw) {
  std::string text = compact(raw);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  if (country == "PT") {
    // NIF of a person: 1, 2 or 3 (residents), 45 (non-residents); mod 11 over weights 9..2.
    if (text.size() != 9 || !all_digits(text)) return std::nullopt;
    if (text[0] != '1' && text[0] != '2' && text[0] != '3' && text.substr(0, 2) != "45") return std::nullopt;
    int sum = 0;
    for (int i = 0; i < 8; ++i) sum += digit(text[static_cast<std::size_t>(i)]) * (9 - i);
    const int rest = sum % 11;
    const int check = rest < 2 ? 0 : 11 - rest;
    return check == digit(text[8]) ? std::optional(text) : std::nullopt;
  }
  if (country == "FR") {
    // NIR: sex, year, month, department (2A and 2B for Corsica count as 19 and 18), commune,
    // order, then the key 97 - (the 13 characters mod 97).
    if (text.size() != 15) return std::nullopt;
    std::string number = text.substr(0, 13);
    if (number.substr(5, 2) == "2A") number.replace(5, 2, "19");
    if (number.substr(5, 2) == "2B") number.replace(5, 2, "18");
    if (!all_digits(number) || !all_digits(text.substr(13))) return std::nullopt;
    if (number[0] != '1' && number[0] != '2' && number[0] != '3' && number[0] != '4' && number[0] != '7' &&
        number[0] != '8') {
      return std::nullopt;
    }
    const std::int64_t value = std::stoll(number);
    const int key = 97 - static_cast<int>(value % 97);
    return key == std::stoi(text.substr(13)) ? std::optional(text) : std::nullopt;
  }
  if (country == "VN") {
    // CCCD: a province code (001 to 096), then century and sex, year of birth, six digits.
    if (text.size() != 12 || !all_digits(text)) return std::nullopt;
    const int province = std::stoi(text.substr(0, 3));
    return province >= 1 && province <= 96 ? std::optional(text) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace guichet::procedures
