#include "server/storage/block.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/coding.h"
#include "core/crc32c.h"
#include "core/fs.h"
#include "server/storage/series_set.h"

namespace vigil::storage {

constexpr std::string_view kIndexMagic = "VGLINDX1";
constexpr std::string_view kChunksMagic = "VGLCHNK1";
constexpr size_t kFooterSize = 8 * 3 + 4;

class MappedFile {
 public:
  static core::Result<std::unique_ptr<MappedFile>> Open(const std::string& path) {
    // The mapping keeps the file: the descriptor is closed on return.
    core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      const int err = errno;
      return core::ErrnoError(err, "open " + path);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
      const int err = errno;
      return core::ErrnoError(err, "stat " + path);
    }
    auto file = std::unique_ptr<MappedFile>(new MappedFile());
    file->size_ = static_cast<size_t>(st.st_size);
    if (file->size_ > 0) {
      void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_SHARED, fd.get(), 0);
      if (p == MAP_FAILED) {
        const int err = errno;
        return core::ErrnoError(err, "mmap " + path);
      }
      file->data_ = static_cast<const char*>(p);
    }
    return file;
  }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view bytes() const { return {data_, size_}; }

 private:
  MappedFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

namespace {

core::Status Damaged(const std::string& file, const std::string& what) {
  return core::DataLossError("damaged block file " + file + ": " + what);
}

// A bounds-checked reader over a section of an mmapped file.
struct Reader {
  std::string_view in;
  bool ok = true;
  uint64_t Varint() {
    uint64_t v = 0;
    if (!core::GetVarint(&in, &v)) ok = false;
    return v;
  }
};

}  // namespace

// ---- BlockWriter ----

core::Result<std::unique_ptr<BlockWriter>> BlockWriter::Create(std::string dir) {
  if (::mkdir(dir.c_str(), 0755) != 0) return core::ErrnoError(errno, "create block " + dir);
  std::unique_ptr<BlockWriter> w(new BlockWriter(std::move(dir)));
  const std::string path = w->dir_ + "/chunks";
  w->chunks_fd_ =
      core::UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!w->chunks_fd_.valid()) {
    const int err = errno;
    return core::ErrnoError(err, "create " + path);
  }
  w->buffer_.append(kChunksMagic);
  w->meta_.min_time = INT64_MAX;
  w->meta_.max_time = INT64_MIN;
  return w;
}

BlockWriter::~BlockWriter() = default;

core::Status BlockWriter::Flush() {
  VIGIL_RETURN_IF_ERROR(core::WriteAll(chunks_fd_.get(), buffer_, "write " + dir_ + "/chunks"));
  written_ += buffer_.size();
  buffer_.clear();
  return core::OkStatus();
}

core::Status BlockWriter::AddSeries(const core::Labels& labels,
                                    const std::vector<EncodedChunk>& chunks) {
  if (chunks.empty()) return core::OkStatus();
  SeriesEntry entry{labels, {}};
  entry.chunks.reserve(chunks.size());
  for (const EncodedChunk& c : chunks) {
    entry.chunks.push_back({c.min_time, c.max_time, written_ + buffer_.size()});
    core::PutVarint(&buffer_, c.bytes.size());
    buffer_.append(c.bytes);
    core::PutFixed32(&buffer_, core::crc32c::Value(c.bytes));
    meta_.min_time = std::min(meta_.min_time, c.min_time);
    meta_.max_time = std::max(meta_.max_time, c.max_time);
    meta_.samples += ChunkSamples(c.bytes);
    ++meta_.chunks;
  }
  series_.push_back(std::move(entry));
  ++meta_.series;
  if (buffer_.size() >= (1u << 20)) return Flush();
  return core::OkStatus();
}

core::Result<BlockMeta> BlockWriter::Finish(int level) {
  VIGIL_RETURN_IF_ERROR(Flush());
  if (::fdatasync(chunks_fd_.get()) != 0) {
    const int err = errno;
    return core::ErrnoError(err, "sync " + dir_ + "/chunks");
  }
  chunks_fd_.Reset();

  // Symbols sorted, so symbol order is string order and sorted pairs are sorted postings keys.
  std::set<std::string_view> symbol_set;
  for (const SeriesEntry& s : series_) {
    for (const core::Label& l : s.labels) {
      symbol_set.insert(l.name);
      symbol_set.insert(l.value);
    }
  }
  std::vector<std::string_view> symbols(symbol_set.begin(), symbol_set.end());
  auto sym = [&](std::string_view s) {
    return static_cast<uint64_t>(std::lower_bound(symbols.begin(), symbols.end(), s) -
                                 symbols.begin());
  };

  std::string index(kIndexMagic);
  const uint64_t symbols_offset = index.size();
  core::PutVarint(&index, symbols.size());
  for (std::string_view s : symbols) {
    core::PutVarint(&index, s.size());
    index.append(s);
  }
  std::vector<uint64_t> series_offsets;
  std::map<std::pair<uint64_t, uint64_t>, std::vector<uint32_t>> postings;
  for (uint32_t i = 0; i < series_.size(); ++i) {
    const SeriesEntry& s = series_[i];
    series_offsets.push_back(index.size());
    core::PutVarint(&index, s.labels.size());
    for (const core::Label& l : s.labels) {
      const uint64_t n = sym(l.name), v = sym(l.value);
      core::PutVarint(&index, n);
      core::PutVarint(&index, v);
      postings[{n, v}].push_back(i);
    }
    core::PutVarint(&index, s.chunks.size());
    for (const ChunkRef& c : s.chunks) {
      core::PutVarint(&index, core::ZigZag(c.min_time));
      core::PutVarint(&index, static_cast<uint64_t>(c.max_time - c.min_time));
      core::PutVarint(&index, c.offset);
    }
  }
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, uint64_t>> label_table;
  for (const auto& [pair, ids] : postings) {
    label_table.push_back({pair, index.size()});
    core::PutVarint(&index, ids.size());
    uint32_t prev = 0;
    for (uint32_t id : ids) {
      core::PutVarint(&index, id - prev);
      prev = id;
    }
  }
  const uint64_t label_table_offset = index.size();
  core::PutVarint(&index, label_table.size());
  for (const auto& [pair, offset] : label_table) {
    core::PutVarint(&index, pair.first);
    core::PutVarint(&index, pair.second);
    core::PutVarint(&index, offset);
  }
  const uint64_t series_table_offset = index.size();
  core::PutVarint(&index, series_offsets.size());
  uint64_t prev = 0;
  for (uint64_t off : series_offsets) {
    core::PutVarint(&index, off - prev);
    prev = off;
  }
  core::PutFixed64(&index, symbols_offset);
  core::PutFixed64(&index, label_table_offset);
  core::PutFixed64(&index, series_table_offset);
  core::PutFixed32(&index, core::crc32c::Value(index));
  VIGIL_RETURN_IF_ERROR(core::WriteFileAtomic(dir_ + "/index", index));

  meta_.level = level;
  if (meta_.series == 0) meta_.min_time = meta_.max_time = 0;
  VIGIL_RETURN_IF_ERROR(core::WriteFileAtomic(dir_ + "/meta", FormatBlockMeta(meta_)));
  return meta_;
}

// ---- meta ----

std::string FormatBlockMeta(const BlockMeta& m) {
  std::string body = "vigil-block v1\nmin_time " + std::to_string(m.min_time) + "\nmax_time " +
                     std::to_string(m.max_time) + "\nseries " + std::to_string(m.series) +
                     "\nchunks " + std::to_string(m.chunks) + "\nsamples " +
                     std::to_string(m.samples) + "\nlevel " + std::to_string(m.level) + "\n";
  char crc[32];
  std::snprintf(crc, sizeof crc, "crc %08x\n", core::crc32c::Value(body));
  return body + crc;
}

core::Result<BlockMeta> ParseBlockMeta(std::string_view text) {
  const size_t crc_at = text.rfind("crc ");
  if (crc_at == std::string_view::npos || text.substr(0, 15) != "vigil-block v1\n")
    return core::DataLossError("block meta: not a vigil block meta file");
  char expect[16];
  std::snprintf(expect, sizeof expect, "%08x", core::crc32c::Value(text.substr(0, crc_at)));
  if (text.substr(crc_at + 4, 8) != expect) return core::DataLossError("block meta: bad checksum");
  BlockMeta m;
  long long min_t, max_t, level;
  unsigned long long series, chunks, samples;
  const std::string body(text.substr(15, crc_at - 15));
  if (std::sscanf(
          body.c_str(),
          "min_time %lld\nmax_time %lld\nseries %llu\nchunks %llu\nsamples %llu\nlevel %lld",
          &min_t, &max_t, &series, &chunks, &samples, &level) != 6) {
    return core::DataLossError("block meta: unreadable fields");
  }
  m.min_time = min_t;
  m.max_time = max_t;
  m.series = series;
  m.chunks = chunks;
  m.samples = samples;
  m.level = static_cast<int>(level);
  return m;
}

// ---- Block ----

Block::~Block() = default;

core::Result<std::shared_ptr<Block>> Block::Open(const std::string& dir) {
  std::shared_ptr<Block> b(new Block());
  b->dir_ = dir;
  VIGIL_RETURN_IF_ERROR(b->Load());
  return b;
}

core::Status Block::Load() {
  VIGIL_ASSIGN_OR_RETURN(auto meta_file, MappedFile::Open(dir_ + "/meta"));
  VIGIL_ASSIGN_OR_RETURN(meta_, ParseBlockMeta(meta_file->bytes()));
  VIGIL_ASSIGN_OR_RETURN(index_, MappedFile::Open(dir_ + "/index"));
  VIGIL_ASSIGN_OR_RETURN(chunks_, MappedFile::Open(dir_ + "/chunks"));
  const std::string index_path = dir_ + "/index";
  std::string_view idx = index_->bytes();
  if (idx.size() < kIndexMagic.size() + kFooterSize || idx.substr(0, 8) != kIndexMagic)
    return Damaged(index_path, "no index header");
  const size_t footer = idx.size() - kFooterSize;
  if (core::DecodeFixed32(idx.data() + footer + 24) !=
      core::crc32c::Value(idx.substr(0, footer + 24)))
    return Damaged(index_path, "checksum mismatch");
  if (chunks_->bytes().substr(0, 8) != kChunksMagic)
    return Damaged(dir_ + "/chunks", "no chunks header");
  const uint64_t symbols_offset = core::DecodeFixed64(idx.data() + footer);
  const uint64_t label_table_offset = core::DecodeFixed64(idx.data() + footer + 8);
  const uint64_t series_table_offset = core::DecodeFixed64(idx.data() + footer + 16);
  if (symbols_offset > footer || label_table_offset > footer || series_table_offset > footer)
    return Damaged(index_path, "section offsets outside the file");

  Reader r{idx.substr(symbols_offset, footer - symbols_offset)};
  const uint64_t nsymbols = r.Varint();
  if (!r.ok || nsymbols > r.in.size()) return Damaged(index_path, "symbol count");
  symbols_.reserve(nsymbols);
  for (uint64_t i = 0; i < nsymbols; ++i) {
    const uint64_t len = r.Varint();
    if (!r.ok || len > r.in.size()) return Damaged(index_path, "symbol");
    symbols_.push_back(r.in.substr(0, len));
    r.in.remove_prefix(len);
  }

  r = Reader{idx.substr(label_table_offset, footer - label_table_offset)};
  const uint64_t npairs = r.Varint();
  if (!r.ok || npairs > r.in.size()) return Damaged(index_path, "label table size");
  for (uint64_t i = 0; i < npairs; ++i) {
    const uint64_t n = r.Varint(), v = r.Varint(), off = r.Varint();
    if (!r.ok || n >= symbols_.size() || v >= symbols_.size() || off >= footer)
      return Damaged(index_path, "label table entry");
    postings_[symbols_[n]].emplace_back(symbols_[v], off);
  }

  r = Reader{idx.substr(series_table_offset, footer - series_table_offset)};
  const uint64_t nseries = r.Varint();
  if (!r.ok || nseries > r.in.size()) return Damaged(index_path, "series table size");
  series_offsets_.reserve(nseries);
  uint64_t off = 0;
  for (uint64_t i = 0; i < nseries; ++i) {
    off += r.Varint();
    if (!r.ok || off >= footer) return Damaged(index_path, "series table entry");
    series_offsets_.push_back(off);
  }
  return core::OkStatus();
}

uint64_t Block::size_bytes() const { return index_->bytes().size() + chunks_->bytes().size(); }

core::Status Block::SeriesAt(SeriesId index, core::Labels* labels,
                             std::vector<ChunkView>* chunks) const {
  const std::string index_path = dir_ + "/index";
  if (index >= series_offsets_.size()) return Damaged(index_path, "series id out of range");
  Reader r{index_->bytes().substr(series_offsets_[index])};
  const uint64_t nlabels = r.Varint();
  if (!r.ok || nlabels > r.in.size()) return Damaged(index_path, "series labels");
  std::vector<core::Label> pairs(nlabels);
  for (core::Label& l : pairs) {
    const uint64_t n = r.Varint(), v = r.Varint();
    if (!r.ok || n >= symbols_.size() || v >= symbols_.size())
      return Damaged(index_path, "series label symbol");
    l.name = symbols_[n];
    l.value = symbols_[v];
  }
  auto built = core::Labels::Create(std::move(pairs));
  if (!built.ok()) return Damaged(index_path, "series labels: " + built.status().message());
  *labels = std::move(built).value();
  const uint64_t nchunks = r.Varint();
  if (!r.ok || nchunks > r.in.size()) return Damaged(index_path, "series chunk count");
  std::string_view data = chunks_->bytes();
  chunks->clear();
  for (uint64_t i = 0; i < nchunks; ++i) {
    const int64_t min_t = core::UnZigZag(r.Varint());
    const int64_t max_t = min_t + static_cast<int64_t>(r.Varint());
    const uint64_t at = r.Varint();
    if (!r.ok || at >= data.size()) return Damaged(index_path, "chunk reference");
    std::string_view in = data.substr(at);
    uint64_t len = 0;
    if (!core::GetVarint(&in, &len) || len + 4 > in.size())
      return Damaged(dir_ + "/chunks", "chunk length at offset " + std::to_string(at));
    chunks->push_back({min_t, max_t, in.substr(0, len)});
  }
  return core::OkStatus();
}

namespace {

// A block's series in label order (the order the writer was given them, so the order of
// their ids), each decoded from its chunks when Next reaches it.
class BlockSeriesSet final : public SeriesSet {
 public:
  BlockSeriesSet(const Block& block, Postings ids, int64_t mint, int64_t maxt, bool labels_only)
      : block_(block), ids_(std::move(ids)), mint_(mint), maxt_(maxt), labels_only_(labels_only) {}

  bool Next() override {
    while (status_.ok() && next_ < ids_.size()) {
      samples_.clear();
      status_ = block_.SeriesAt(ids_[next_++], &labels_, &chunks_);
      if (!status_.ok()) return false;
      bool any = false;
      for (const Block::ChunkView& c : chunks_) {
        if (c.max_time < mint_ || c.min_time > maxt_) continue;
        any = true;
        if (labels_only_) break;
        // The checksum follows the chunk's bytes.
        const char* end = c.bytes.data() + c.bytes.size();
        if (core::DecodeFixed32(end) != core::crc32c::Value(c.bytes)) {
          status_ = Damaged(block_.dir() + "/chunks", "chunk checksum mismatch");
          return false;
        }
        const size_t start = samples_.size();
        status_ = DecodeChunk(c.bytes, &samples_);
        if (!status_.ok()) return false;
        std::erase_if(samples_, [&, i = size_t{0}](const core::Sample& x) mutable {
          return i++ >= start && (x.timestamp_ms < mint_ || x.timestamp_ms > maxt_);
        });
      }
      if (any && (labels_only_ || !samples_.empty())) return true;
    }
    return false;
  }
  const core::Labels& labels() const override { return labels_; }
  std::vector<core::Sample>& samples() override { return samples_; }
  core::Status status() const override { return status_; }

 private:
  const Block& block_;
  const Postings ids_;
  const int64_t mint_, maxt_;
  const bool labels_only_;
  size_t next_ = 0;
  core::Status status_;
  core::Labels labels_;
  std::vector<Block::ChunkView> chunks_;
  std::vector<core::Sample> samples_;
};

}  // namespace

std::unique_ptr<SeriesSet> Block::Select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                         bool labels_only) const {
  if (meta_.max_time < mint || meta_.min_time > maxt) return EmptySeriesSet();
  return std::make_unique<BlockSeriesSet>(*this, PostingsForMatchers(*this, matchers), mint, maxt,
                                          labels_only);
}

std::vector<std::string_view> Block::LabelNames() const {
  std::vector<std::string_view> out;
  for (const auto& [name, values] : postings_) out.push_back(name);
  return out;
}

std::vector<std::string_view> Block::LabelValues(std::string_view name) const {
  std::vector<std::string_view> out;
  auto it = postings_.find(name);
  if (it == postings_.end()) return out;
  for (const auto& [value, offset] : it->second) out.push_back(value);
  return out;
}

Postings Block::PostingsFor(std::string_view name, std::string_view value) const {
  auto it = postings_.find(name);
  if (it == postings_.end()) return {};
  auto v = std::lower_bound(it->second.begin(), it->second.end(), value,
                            [](const auto& e, std::string_view x) { return e.first < x; });
  if (v == it->second.end() || v->first != value) return {};
  Reader r{index_->bytes().substr(v->second)};
  const uint64_t count = r.Varint();
  Postings out;
  if (!r.ok || count > r.in.size()) return out;  // damage reads as no series
  out.reserve(count);
  uint64_t id = 0;
  for (uint64_t i = 0; i < count; ++i) {
    id += r.Varint();
    if (!r.ok || id >= series_offsets_.size()) return {};
    out.push_back(static_cast<SeriesId>(id));
  }
  return out;
}

Postings Block::AllPostings() const {
  Postings out(series_offsets_.size());
  for (SeriesId i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

}  // namespace vigil::storage
