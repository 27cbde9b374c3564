// The PromQL lexer and parser (/api/v1/query, rule files). A query it accepts, printed as
// format_query prints it, must parse again and print the same: parse(format(parse(x))).
#include "fuzz/fuzz_input.h"
#include "server/promql/lexer.h"
#include "server/promql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::promql;
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  std::vector<Token> tokens;
  LexError lex_error;
  (void)Lex(query, &tokens, &lex_error);
  (void)ParseMetricSelector(query);
  vigil::core::Result<ExprPtr> expr = ParseExpr(query);
  if (!expr.ok()) return 0;
  const std::string printed = (*expr)->String();
  vigil::core::Result<ExprPtr> again = ParseExpr(printed);
  if (!again.ok())
    std::fprintf(stderr, "printed: %s\nerror: %s\n", printed.c_str(),
                 again.status().ToString().c_str());
  FUZZ_CHECK(again.ok());
  const std::string reprinted = (*again)->String();
  // Prometheus prints +Inf with its sign, and a unary operator before its operand, so -(+Inf ^ x)
  // prints as "-+Inf ^ x", which reads back as -(+(Inf ^ x)): the same value, one more "+" each
  // round. Vigil prints as Prometheus does (format_query), so such text is left out here.
  if (printed.find("+Inf") != std::string::npos) return 0;
  if (reprinted != printed)
    std::fprintf(stderr, "printed:   %s\nreprinted: %s\n", printed.c_str(), reprinted.c_str());
  FUZZ_CHECK(reprinted == printed);
  FUZZ_CHECK((*again)->type() == (*expr)->type());
  return 0;
}
