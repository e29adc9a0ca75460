// The kinds of documents and the file types the procedures module takes: plain lists, apart from
// vault.cpp so that the definition parser (and its fuzz target) reads them without the storage.
#include <algorithm>

#include "guichet/procedures/vault.hpp"

namespace guichet::procedures {

const std::vector<std::string>& document_kinds() {
  static const std::vector<std::string> kinds{"identity_document",   "proof_of_address",
                                              "bank_statement",      "tax_notice",
                                              "medical_certificate", "photo",
                                              "student_certificate", "other"};
  return kinds;
}

bool known_document_kind(std::string_view kind) {
  const auto& kinds = document_kinds();
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

const std::vector<std::string>& attachable_content_types() {
  static const std::vector<std::string> types{"application/pdf", "image/jpeg", "image/png"};
  return types;
}

}  // namespace guichet::procedures
