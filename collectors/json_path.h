#pragma once
// Reads one string out of a JSON document by a path of object keys, for the few values the
// collectors want from container runtimes' state files. Bounded and allocation-light; text
// that is not JSON, or a path that leads elsewhere, gives nothing. Not a general JSON parser.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::collectors {

// The string at document[path[0]][path[1]]...; nullopt if absent, not a string, or if the
// document is not JSON.
std::optional<std::string> JsonStringAt(std::string_view json,
                                        std::initializer_list<std::string_view> path);

}  // namespace vigil::collectors
