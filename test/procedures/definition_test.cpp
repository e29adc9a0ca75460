// Procedure definitions checked on publication (every problem listed: unknown fields in
// conditions, conditions looking forward, unreachable pages, cycles, missing translations), each
// field type's checks and normalisation, and the path answers lead through a form.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "guichet/procedures/answers.hpp"
#include "guichet/procedures/definition.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/vault.hpp"
#include "identifiers.hpp"

namespace guichet::procedures {
namespace {
namespace json = boost::json;

std::string texts(const std::string& en) {
  std::string out = "{";
  for (const char* lang : {"fr", "pt", "vi"}) out += std::string("\"") + lang + "\": \"" + en + " " + lang + "\", ";
  return out + "\"en\": \"" + en + "\"}";
}

std::string field(const std::string& id, const std::string& type, const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "type": ")" + type + R"(", "label": )" + texts(id) + extra + "}";
}

std::string page(const std::string& id, const std::string& fields, const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "title": )" + texts(id) + R"(, "fields": [)" + fields + "]" + extra + "}";
}

std::string definition(const std::string& pages, const std::string& extra = "") {
  return R"({"format": 1, "service": "address-change", "pages": [)" + pages + "]" + extra + "}";
}

std::vector<DefinitionProblem> problems_of(const std::string& text) {
  std::vector<DefinitionProblem> problems;
  auto parsed = parse_definition(text, &problems);
  EXPECT_FALSE(parsed.ok());
  if (!parsed) {
    EXPECT_EQ(parsed.error().code, Errc::bad_definition);
  }
  return problems;
}

bool mentions(const std::vector<DefinitionProblem>& problems, const std::string& where, const std::string& what) {
  for (const auto& p : problems) {
    if (p.where == where && p.what.find(what) != std::string::npos) return true;
  }
  return false;
}

std::string dump(const std::vector<DefinitionProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.where + " " + p.what + "\n";
  return out;
}

const std::string kYesNoRouting = definition(
    page("first", field("moving", "yes_no")) + "," +
    page("second", field("when", "date"), R"(, "next": [{"if": {"field": "moving", "equals": true}, "page": "end"}])") +
    "," + page("third", field("staying", "text")));

TEST(Definition, TheDemoDefinitionsAreValid) {
  std::ifstream in(std::string(GUICHET_TEST_SOURCE_DIR) + "/data/demo-procedures.json");
  std::stringstream text;
  text << in.rdbuf();
  json::value all = json::parse(text.str());
  ASSERT_TRUE(all.is_array());
  EXPECT_GE(all.as_array().size(), 4u);
  for (const json::value& d : all.as_array()) {
    std::vector<DefinitionProblem> problems;
    auto parsed = parse_definition(json::serialize(d), &problems);
    EXPECT_TRUE(parsed.ok()) << json::serialize(d.at("service")) << "\n" << dump(problems);
  }
}

TEST(Definition, ListsEveryProblemWithWhereItIs) {
  auto problems =
      problems_of(definition(page("one", field("a", "text") + "," + field("a", "number") + "," + field("b", "colour")) +
                             "," + page("one", field("c", "group"))));
  EXPECT_TRUE(mentions(problems, "pages[0].fields[1].id", "used twice")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[2].type", "not a field type")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[1].id", "used twice")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[1].fields[0].fields", "list of 1 to 20 fields")) << dump(problems);
}

TEST(Definition, AskForTextsInTheFourLanguages) {
  auto problems = problems_of(
      definition(R"({"id": "p", "title": {"en": "Only English"}, "fields": [)" + field("a", "text") + "]}"));
  EXPECT_TRUE(mentions(problems, "pages[0].title", "no text in fr")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].title", "no text in vi")) << dump(problems);
}

TEST(Definition, RefusesConditionsOnUnknownOrLaterFields) {
  auto problems = problems_of(
      definition(page("one", field("a", "text", R"(, "visible_if": {"field": "nowhere", "equals": "x"})") + "," +
                                 field("b", "text", R"(, "visible_if": {"field": "c", "answered": true})")) +
                 "," + page("two", field("c", "text"))));
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].visible_if", "unknown field nowhere")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[1].visible_if", "later page")) << dump(problems);
}

TEST(Definition, RefusesAChoiceComparedWithAnotherValue) {
  auto problems = problems_of(
      definition(page("one", field("kind", "choice", R"(, "options": [{"id": "a", "label": )" + texts("A") + "}]")) +
                 "," + page("two", field("b", "text", R"(, "visible_if": {"field": "kind", "equals": "z"})"))));
  EXPECT_TRUE(mentions(problems, "pages[1].fields[0].visible_if", "not one of its options")) << dump(problems);
}

TEST(Definition, RefusesUnreachablePagesAndCycles) {
  auto unreachable = problems_of(definition(page("one", field("a", "text"), R"(, "next": [{"page": "three"}])") + "," +
                                            page("two", field("b", "text")) + "," + page("three", field("c", "text"))));
  EXPECT_TRUE(mentions(unreachable, "pages[1]", "no route leads to two")) << dump(unreachable);

  auto cycle = problems_of(definition(page("one", field("a", "yes_no")) + "," +
                                      page("two", field("b", "text"), R"(, "next": [{"page": "one"}])")));
  EXPECT_TRUE(mentions(cycle, "pages[1].next", "cycle")) << dump(cycle);

  auto nowhere = problems_of(definition(page("one", field("a", "text"), R"(, "next": [{"page": "elsewhere"}])")));
  EXPECT_TRUE(mentions(nowhere, "pages[0].next[0].page", "names no page")) << dump(nowhere);
}

TEST(Definition, FactsOfTheVaultAreSourcesOfTheirType) {
  EXPECT_TRUE(parse_definition(definition(page("p", field("iban", "iban", R"(, "source": "vault.iban")")))).ok());
  auto problems = problems_of(definition(page("p", field("iban", "text", R"(, "source": "vault.iban")"))));
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].source", "gives a iban")) << dump(problems);
  EXPECT_EQ(source_type("vault.household_size"), FieldType::number);
  EXPECT_FALSE(source_type("vault.colour"));
}

TEST(Definition, RefusesASourceOfAnotherType) {
  auto problems = problems_of(definition(page("one", field("a", "number", R"(, "source": "account.email")") + "," +
                                                         field("b", "text", R"(, "source": "tax.secret")"))));
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].source", "gives a email")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[1].source", "not a source")) << dump(problems);
}

TEST(Definition, RoutingNamesKnownFieldsAndPicksAGroup) {
  auto problems = problems_of(definition(page("one", field("a", "yes_no")),
                                         R"(, "routing": [{"if": {"field": "zz", "equals": true}, "group": "x"}])"));
  EXPECT_TRUE(mentions(problems, "routing[0].if", "unknown field zz")) << dump(problems);
  auto parsed = parse_definition(definition(page("one", field("a", "yes_no")),
                                            R"(, "routing": [{"if": {"field": "a", "equals": true}, "group": "x"}])"));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->group_for(json::object{{"a", true}}), "x");
  EXPECT_EQ(parsed->group_for(json::object{{"a", false}}), "general");
}

TEST(Definition, CountsWhatIsAskedThatTheStateKnows) {
  auto parsed = parse_definition(definition(
      page("one", field("income", "amount", R"(, "available_from": "at.reference_income")") + "," +
                      field("name", "text", R"(, "source": "account.given_name", "available_from": "irn.name")") + "," +
                      field("free", "text"))));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(asked_but_known_count(*parsed), 1);
  EXPECT_EQ(service_level(*parsed), 3);
}

TEST(Definition, ALegalBasisIsALawOrThePersonsConsent) {
  const std::string pages = page("one", field("income", "amount", R"(, "available_from": "at.reference_income")"));
  auto law = parse_definition(definition(pages, R"(, "legal_basis": "Code de la construction, art. L831-1")"));
  ASSERT_TRUE(law) << law.error().message;
  EXPECT_EQ(law->legal_basis, std::optional<std::string>("Code de la construction, art. L831-1"));
  EXPECT_FALSE(law->legal_basis_is_consent);
  EXPECT_EQ(asked_but_known_count(*law), 0) << "fetched under the law, not asked";

  auto consent = parse_definition(definition(pages, R"(, "legal_basis": {"consent": "My income for this aid"})"));
  ASSERT_TRUE(consent) << consent.error().message;
  EXPECT_TRUE(consent->legal_basis_is_consent);
  EXPECT_EQ(consent->legal_basis, std::optional<std::string>("My income for this aid"));
  EXPECT_EQ(asked_but_known_count(*consent), 1) << "the person may refuse and type it";

  for (const char* bad :
       {R"(, "legal_basis": "")", R"(, "legal_basis": 12)", R"(, "legal_basis": {"consent": ""})",
        R"(, "legal_basis": {"consent": "ok text", "law": "x"})", R"(, "legal_basis": {"law": "x"})"}) {
    auto problems = problems_of(definition(pages, bad));
    ASSERT_EQ(problems.size(), 1u) << bad;
    EXPECT_EQ(problems[0].where, "legal_basis");
    EXPECT_EQ(problems[0].key, "bad_legal_basis");
  }
  auto national = parse_definition(
      definition(page("one", field("nif", "national_id", R"(, "country": "PT", "source": "account.national_id")"))));
  EXPECT_TRUE(national) << national.error().message;
}

Field typed(FieldType type, const std::string& country = "PT") {
  Field f;
  f.id = "x";
  f.type = type;
  f.country = country;
  return f;
}

json::value value_of(const Field& f, const json::value& raw, const std::string& today = "2026-12-03") {
  Checked c = check_answer(f, raw, today);
  EXPECT_FALSE(c.problem) << to_string(*c.problem);
  return c.value;
}

std::optional<Problem> problem_of(const Field& f, const json::value& raw, const std::string& today = "2026-12-03") {
  return check_answer(f, raw, today).problem;
}

TEST(Answers, TextIsTrimmedAndLimited) {
  Field f = typed(FieldType::text);
  f.max_length = 5;
  EXPECT_EQ(value_of(f, json::value("  Ana  ")), json::value("Ana"));
  EXPECT_EQ(problem_of(f, json::value("Anabela")), Problem::too_long);
  EXPECT_EQ(value_of(f, json::value("Ngọc")), json::value("Ngọc"));  // four characters, more bytes
  EXPECT_TRUE(check_answer(f, json::value("   "), "2026-12-03").empty);
  EXPECT_EQ(problem_of(f, json::value(12)), Problem::wrong_type);
  EXPECT_EQ(problem_of(f, json::value("\xff\xfe")), Problem::wrong_type);
}

TEST(Answers, AmountsAsPeopleTypeThem) {
  Field f = typed(FieldType::amount);
  EXPECT_EQ(value_of(f, json::value("18,50")), json::value(1850));
  EXPECT_EQ(value_of(f, json::value("18.5")), json::value(1850));
  EXPECT_EQ(value_of(f, json::value("1 234,56 €")), json::value(123456));
  EXPECT_EQ(value_of(f, json::value("1.234,56")), json::value(123456));
  EXPECT_EQ(value_of(f, json::value("1,234.56")), json::value(123456));
  EXPECT_EQ(value_of(f, json::value("1.234")), json::value(123400));
  EXPECT_EQ(value_of(f, json::value(1850)), json::value(1850));  // a JSON number is cents, as stored
  EXPECT_EQ(problem_of(f, json::value(18.5)), Problem::not_a_number);
  EXPECT_EQ(value_of(f, json::value("18,505")), json::value(1850500));  // three digits after: thousands
  EXPECT_EQ(problem_of(f, json::value("18,5055")), Problem::not_a_number);
  EXPECT_EQ(problem_of(f, json::value("12,34,5")), Problem::not_a_number);
  EXPECT_EQ(problem_of(f, json::value("ten")), Problem::not_a_number);
  f.min = 0;
  EXPECT_EQ(problem_of(f, json::value("-1")), Problem::too_small);
}

TEST(Answers, NumbersWithBounds) {
  Field f = typed(FieldType::number);
  f.min = 1;
  f.max = 20;
  EXPECT_EQ(value_of(f, json::value("3")), json::value(3));
  EXPECT_EQ(value_of(f, json::value("2,5")), json::value(2.5));
  EXPECT_EQ(problem_of(f, json::value("0")), Problem::too_small);
  EXPECT_EQ(problem_of(f, json::value(21)), Problem::too_large);
  EXPECT_EQ(problem_of(f, json::value("3 children")), Problem::not_a_number);
}

TEST(Answers, DatesExistAndRespectPastOrFuture) {
  Field f = typed(FieldType::date);
  f.when = "past";
  EXPECT_EQ(value_of(f, json::value("2026-12-03")), json::value("2026-12-03"));
  EXPECT_EQ(problem_of(f, json::value("2026-12-04")), Problem::not_in_past);
  EXPECT_EQ(problem_of(f, json::value("2026-02-30")), Problem::not_a_date);
  EXPECT_EQ(problem_of(f, json::value("invalid")), Problem::not_a_date);
  f.when = "future";
  EXPECT_EQ(problem_of(f, json::value("2026-12-02")), Problem::not_in_future);
}

TEST(Answers, ChoicesAreOptions) {
  Field f = typed(FieldType::multiple_choice);
  f.options = {Option{"a", {}}, Option{"b", {}}, Option{"c", {}}};
  EXPECT_EQ(value_of(f, json::parse(R"(["c", "a", "c"])")), json::parse(R"(["a", "c"])"));
  EXPECT_EQ(problem_of(f, json::parse(R"(["a", "z"])")), Problem::unknown_option);
  EXPECT_TRUE(check_answer(f, json::parse("[]"), "2026-12-03").empty);
  Field one = typed(FieldType::choice);
  one.options = f.options;
  EXPECT_EQ(value_of(one, json::value("b")), json::value("b"));
  EXPECT_EQ(problem_of(one, json::value("z")), Problem::unknown_option);
  Field yes = typed(FieldType::yes_no);
  EXPECT_EQ(value_of(yes, json::value("yes")), json::value(true));
  EXPECT_EQ(value_of(yes, json::value(false)), json::value(false));
  EXPECT_EQ(problem_of(yes, json::value("maybe")), Problem::unknown_option);
}

TEST(Answers, AddressesAndPostcodesByCountry) {
  Field a = typed(FieldType::address);
  EXPECT_EQ(
      value_of(a, json::parse(R"({"street": "Rua Abílio Mendes 1", "postcode": "1500458", "city": "Lisboa"})")),
      json::parse(R"({"street": "Rua Abílio Mendes 1", "postcode": "1500-458", "city": "Lisboa", "country": "PT"})"));
  EXPECT_EQ(problem_of(a, json::parse(R"({"street": "Rua", "postcode": "", "city": "Lisboa"})")),
            Problem::incomplete_address);
  EXPECT_EQ(problem_of(a, json::parse(R"({"street": "Rua", "postcode": "15004", "city": "Lisboa"})")),
            Problem::bad_postcode);
  EXPECT_TRUE(check_answer(a, json::parse(R"({"street": "", "postcode": " ", "city": ""})"), "2026-12-03").empty);
  EXPECT_EQ(value_of(typed(FieldType::postcode, "FR"), json::value("75001")), json::value("75001"));
  EXPECT_EQ(problem_of(typed(FieldType::postcode, "FR"), json::value("7500")), Problem::bad_postcode);
  EXPECT_EQ(value_of(typed(FieldType::postcode, "VN"), json::value("100000")), json::value("100000"));
}

TEST(Answers, IbansByTheirCheckDigits) {
  Field f = typed(FieldType::iban);
  EXPECT_EQ(value_of(f, json::value("pt50 0002 0123 1234 5678 9015 4")), json::value("PT50000201231234567890154"));
  EXPECT_EQ(value_of(f, json::value("FR76 3000 6000 0112 3456 7890 189")), json::value("FR7630006000011234567890189"));
  EXPECT_EQ(problem_of(f, json::value("PT50 0002 0123 1234 5678 9015 5")), Problem::bad_iban);
  EXPECT_EQ(problem_of(f, json::value("PT50 0002 0123")), Problem::bad_iban);
  EXPECT_EQ(grouped_iban("PT50000201231234567890154"), "PT50 0002 0123 1234 5678 9015 4");
}

TEST(Answers, PhonesByLibphonenumber) {
  Field f = typed(FieldType::phone, "PT");
  EXPECT_EQ(value_of(f, json::value("912 345 678")), json::value("+351912345678"));
  EXPECT_EQ(value_of(f, json::value("+33 6 12 34 56 78")), json::value("+33612345678"));
  EXPECT_EQ(problem_of(f, json::value("12345")), Problem::bad_phone);
  EXPECT_EQ(value_of(typed(FieldType::phone, "VN"), json::value("0912 345 678")), json::value("+84912345678"));
}

TEST(Answers, NationalNumbersByTheirCheckDigits) {
  EXPECT_EQ(value_of(typed(FieldType::national_id, "PT"), json::value("123 456 789")), json::value("123456789"));
  EXPECT_EQ(problem_of(typed(FieldType::national_id, "PT"), json::value("123456788")), Problem::bad_national_id);
  EXPECT_EQ(problem_of(typed(FieldType::national_id, "PT"), json::value("503504564")), Problem::bad_national_id);
  // 1 85 05 78 006 084: its key is 97 - (1850578006084 mod 97) = 91.
  EXPECT_EQ(value_of(typed(FieldType::national_id, "FR"), json::value("1 85 05 78 006 084 91")),
            json::value("185057800608491"));
  EXPECT_EQ(problem_of(typed(FieldType::national_id, "FR"), json::value("185057800608492")), Problem::bad_national_id);
  EXPECT_EQ(value_of(typed(FieldType::national_id, "VN"), json::value("001099012345")), json::value("001099012345"));
  EXPECT_EQ(problem_of(typed(FieldType::national_id, "VN"), json::value("099099012345")), Problem::bad_national_id);
  EXPECT_EQ(value_of(typed(FieldType::organisation_number, "PT"), json::value("503 504 564")),
            json::value("503504564"));
  EXPECT_EQ(problem_of(typed(FieldType::organisation_number, "FR"), json::value("732829321")),
            Problem::bad_organisation_number);
}

TEST(Navigation, RoutesFollowTheAnswers) {
  auto parsed = parse_definition(kYesNoRouting);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const Definition& d = *parsed;
  json::object answers;
  EXPECT_EQ(path(d, answers).size(), 3u);
  EXPECT_EQ(next_page(d, "second", answers), "third");
  auto gaps = missing(d, answers);
  ASSERT_EQ(gaps.size(), 3u);
  EXPECT_EQ(gaps[0].field, "moving");
  answers["moving"] = true;  // the second page then ends the form
  EXPECT_EQ(path(d, answers).size(), 2u);
  EXPECT_EQ(next_page(d, "first", answers), "second");
  EXPECT_EQ(next_page(d, "second", answers), "end");
  gaps = missing(d, answers);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].field, "when");
}

TEST(Navigation, AnswersOffThePathAreDroppedAndSteerNothing) {
  auto parsed = parse_definition(
      definition(page("first", field("moving", "yes_no"),
                      R"(, "next": [{"if": {"field": "moving", "equals": false}, "page": "last"}])") +
                 "," + page("moved", field("city", "text")) + "," +
                 page("last", field("note", "text",
                                    R"(, "required": false, "visible_if": {"field": "city", "answered": true})"))));
  ASSERT_TRUE(parsed) << parsed.error().message;
  json::object answers{{"moving", false}, {"city", "Porto"}, {"note", "hello"}};
  const auto pages = path(*parsed, answers);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[1]->id, "last");
  // "city" was answered on a page the person routed away from: it is dropped, and the note it
  // would have shown is not asked either.
  EXPECT_EQ(submitted_answers(*parsed, answers), (json::object{{"moving", false}}));
  answers["moving"] = true;
  EXPECT_EQ(submitted_answers(*parsed, answers),
            (json::object{{"moving", true}, {"city", "Porto"}, {"note", "hello"}}));
}

TEST(Definition, FileQuestionsNameAKindOfDocumentAndTakeOnlyAttachableTypes) {
  auto parsed = parse_definition(definition(page("p", field("proof", "file", R"(, "kind": "proof_of_address")"))));
  ASSERT_TRUE(parsed) << parsed.error().message;
  const Field* proof = parsed->field("proof");
  ASSERT_NE(proof, nullptr);
  EXPECT_EQ(proof->document_kind, "proof_of_address");
  EXPECT_EQ(proof->accept.size(), 3U) << "PDF, JPEG and PNG by default";
  EXPECT_EQ(proof->max_bytes, kMaxFileBytes);

  auto problems = problems_of(definition(
      page("p", field("proof", "file", R"(, "kind": "selfie", "accept": ["text/html"], "max_bytes": 999999999)") + "," +
                    field("note", "text", R"(, "kind": "photo")"))));
  // A file is answered or not: nothing else about it steers a form.
  auto compared =
      problems_of(definition(page("p", field("proof", "file", R"(, "kind": "photo")")) + "," +
                             page("q", field("city", "text", R"(, "visible_if": {"field": "proof", "equals": "x"})"))));
  EXPECT_TRUE(mentions(compared, "pages[1].fields[0].visible_if", "whether the file proof is answered"))
      << dump(compared);

  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].kind", "kind of document")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].accept", "application/pdf")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].max_bytes", "1024")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[1].kind", "only files")) << dump(problems);
}

TEST(Answers, AFileAnswerNamesAVaultDocumentById) {
  Field proof;
  proof.id = "proof";
  proof.type = FieldType::file;
  EXPECT_EQ(check_answer(proof, json::value(12), "2026-12-03").value, (json::object{{"document", 12}}));
  EXPECT_EQ(check_answer(proof, json::value("12"), "2026-12-03").value, (json::object{{"document", 12}}));
  const json::value stored = json::object{{"document", 12}, {"name", "a.pdf"}, {"size", 10}};
  EXPECT_EQ(check_answer(proof, stored, "2026-12-03").value, (json::object{{"document", 12}}))
      << "only the id is read from the client: the rest comes from the vault";
  EXPECT_TRUE(check_answer(proof, json::value(""), "2026-12-03").empty);
  EXPECT_EQ(check_answer(proof, json::value(-1), "2026-12-03").problem, Problem::no_such_document);
  EXPECT_EQ(check_answer(proof, json::value("../etc"), "2026-12-03").problem, Problem::no_such_document);
  EXPECT_EQ(check_answer(proof, json::object{{"attachment", 3}}, "2026-12-03").problem, Problem::no_such_document);
}

}  // namespace
}  // namespace guichet::procedures

namespace guichet::procedures {
namespace {

const std::string kChildren = field("children", "group",
                                    R"(, "item_label": )" + texts("Child") + R"(, "max_items": 3, "fields": [)" +
                                        field("name", "text") + "," + field("born", "date", R"(, "when": "past")") +
                                        "," + field("school", "text", R"(, "required": false)") + "]");

TEST(Definition, GroupsTakeItemFieldsWithoutSectionsFilesGroupsOrConditions) {
  auto parsed = parse_definition(definition(page("p", kChildren)));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const Field* children = parsed->field("children");
  ASSERT_NE(children, nullptr);
  EXPECT_EQ(children->type, FieldType::group);
  EXPECT_EQ(children->fields.size(), 3u);
  EXPECT_EQ(children->min_items, 1u);  // required: one at least
  EXPECT_EQ(children->max_items, 3u);
  EXPECT_EQ(parsed->field_at("children.2.born"), children->item_field("born"));
  EXPECT_EQ(parsed->field_at("children.2.colour"), nullptr);
  EXPECT_EQ(parsed->field_at("born"), nullptr);

  auto problems = problems_of(definition(page(
      "p", field("g", "group",
                 R"(, "min_items": 5, "max_items": 2, "fields": [)" + field("s", "section") + "," +
                     field("f", "file", R"(, "kind": "photo")") + "," +
                     field("n", "text", R"(, "source": "account.given_name")") + "," + field("n", "number") + "]") +
               "," + field("t", "text", R"(, "max_items": 4)"))));
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].fields[0].type", "take no section")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].fields[1].type", "take no file")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].fields[2].source", "take none")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].fields[3].id", "used twice")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[0].min_items", "above max_items")) << dump(problems);
  EXPECT_TRUE(mentions(problems, "pages[0].fields[1].max_items", "only groups")) << dump(problems);
  // A group is answered or not: nothing else about it steers a form.
  auto compared = problems_of(
      definition(page("p", kChildren) + "," +
                 page("q", field("why", "text", R"(, "visible_if": {"field": "children", "equals": "x"})"))));
  EXPECT_TRUE(mentions(compared, "pages[1].fields[0].visible_if", "whether the group children is answered"))
      << dump(compared);
}

TEST(Answers, AGroupChecksEachItemAndDropsBlankOnes) {
  auto parsed = parse_definition(definition(page("p", kChildren)));
  ASSERT_TRUE(parsed.ok());
  const Field& children = *parsed->field("children");
  // Items normalised field by field; the blank item a form offers is dropped.
  const Checked good = check_answer(
      children,
      json::parse(
          R"([{"name": "  Ana ", "born": "2015-05-02"}, {"name": "", "born": ""}, {"name": "Rui", "born": "2018-01-09", "school": "EB1"}])"),
      "2026-12-03");
  ASSERT_FALSE(good.problem);
  EXPECT_EQ(json::serialize(good.value),
            R"([{"name":"Ana","born":"2015-05-02"},{"name":"Rui","born":"2018-01-09","school":"EB1"}])");
  // Accepted again unchanged.
  const Checked again = check_answer(children, good.value, "2026-12-03");
  EXPECT_EQ(again.value, good.value);
  // Each refused item field named by its path, the index as sent.
  const Checked bad = check_answer(
      children, json::parse(R"([{"name": "Ana", "born": "2030-01-01"}, {}, {"born": "2015-02-30", "eyes": "blue"}])"),
      "2026-12-03");
  ASSERT_EQ(bad.problem, Problem::item_problems);
  std::vector<std::string> parts;
  for (const FieldProblem& fp : bad.parts) parts.push_back(fp.field + " " + std::string(to_string(fp.problem)));
  EXPECT_EQ(parts, (std::vector<std::string>{"children.0.born not_in_past", "children.2.eyes unknown_field",
                                             "children.2.born not_a_date", "children.2.name required"}));
  // Counts, and shapes.
  EXPECT_EQ(
      check_answer(
          children,
          json::parse(
              R"([{"name":"a","born":"2015-01-01"},{"name":"b","born":"2015-01-01"},{"name":"c","born":"2015-01-01"},{"name":"d","born":"2015-01-01"}])"),
          "2026-12-03")
          .problem,
      Problem::too_many_items);
  EXPECT_TRUE(check_answer(children, json::array{}, "2026-12-03").empty);
  EXPECT_TRUE(check_answer(children, json::parse(R"([{"name": " "}])"), "2026-12-03").empty);
  EXPECT_EQ(check_answer(children, json::value("Ana"), "2026-12-03").problem, Problem::wrong_type);
  EXPECT_EQ(check_answer(children, json::parse(R"(["Ana"])"), "2026-12-03").problem, Problem::wrong_type);
  Field pair = children;
  pair.min_items = 2;
  EXPECT_EQ(check_answer(pair, json::parse(R"([{"name": "Ana", "born": "2015-01-01"}])"), "2026-12-03").problem,
            Problem::too_few_items);
  // Required: one item at least, like any other question.
  json::object answers{{"children", good.value}};
  EXPECT_TRUE(missing(*parsed, answers).empty());
  EXPECT_EQ(missing(*parsed, json::object{}).size(), 1u);
}

}  // namespace
}  // namespace guichet::procedures
