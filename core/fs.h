#pragma once
// Small file-system steps that keep data through a power loss.
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::core {

// fsync of a directory: names created or renamed in it survive a power loss.
Status SyncDir(const std::string& dir);
// Writes `data` to path.tmp, syncs it and renames it over `path`: readers see the old file or
// the new one, never a part.
Status WriteFileAtomic(const std::string& path, std::string_view data);

}  // namespace vigil::core
