#pragma once
// An immutable, time-partitioned block on disk: a directory with `index` (symbols, series with
// their chunk references, postings), `chunks` (the chunks' bytes) and `meta`. Written once by a
// BlockWriter into a temporary directory and renamed into place; read through mmap. The
// grammar of both files is in server/storage/FORMAT.md.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/fs.h"
#include "core/labels.h"
#include "core/status.h"
#include "server/storage/chunk.h"
#include "server/storage/index.h"
#include "server/storage/querier.h"

namespace vigil::storage {

struct BlockMeta {
  int64_t min_time = 0;  // inclusive
  int64_t max_time = 0;  // inclusive
  uint64_t series = 0;
  uint64_t chunks = 0;
  uint64_t samples = 0;
  int level = 1;  // 1: cut from the head; n: compacted from level n-1 blocks
};

class BlockWriter {
 public:
  // Starts writing into `dir` (which must not exist).
  static core::Result<std::unique_ptr<BlockWriter>> Create(std::string dir);
  ~BlockWriter();
  // Series must come in label order, each with its chunks in time order.
  core::Status AddSeries(const core::Labels& labels, const std::vector<EncodedChunk>& chunks);
  // Writes index and meta and syncs everything; the block is complete once this returns.
  core::Result<BlockMeta> Finish(int level);
  const std::string& dir() const { return dir_; }

 private:
  struct ChunkRef {
    int64_t min_time, max_time;
    uint64_t offset;
  };
  struct SeriesEntry {
    core::Labels labels;
    std::vector<ChunkRef> chunks;
  };
  explicit BlockWriter(std::string dir) : dir_(std::move(dir)) {}
  core::Status Flush();

  std::string dir_;
  core::UniqueFd chunks_fd_;
  std::string buffer_;
  uint64_t written_ = 0;
  std::vector<SeriesEntry> series_;
  BlockMeta meta_;
};

class MappedFile;

class Block final : public IndexReader {
 public:
  // Opens and checks a complete block; DataLoss when a file is damaged.
  static core::Result<std::shared_ptr<Block>> Open(const std::string& dir);
  ~Block() override;

  const BlockMeta& meta() const { return meta_; }
  const std::string& dir() const { return dir_; }
  uint64_t size_bytes() const;

  struct ChunkView {
    int64_t min_time, max_time;
    std::string_view bytes;
  };
  size_t series_count() const { return series_offsets_.size(); }
  // The labels and chunks of the `index`th series (label order).
  core::Status SeriesAt(SeriesId index, core::Labels* labels, std::vector<ChunkView>* chunks) const;

  // The series passing the matchers with data in [mint, maxt], decoded series by series.
  std::unique_ptr<SeriesSet> Select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                    bool labels_only) const;

  std::vector<std::string_view> LabelNames() const override;
  std::vector<std::string_view> LabelValues(std::string_view name) const override;
  Postings PostingsFor(std::string_view name, std::string_view value) const override;
  Postings AllPostings() const override;

 private:
  Block() = default;
  core::Status Load();

  std::string dir_;
  BlockMeta meta_;
  std::unique_ptr<MappedFile> index_, chunks_;
  std::vector<std::string_view> symbols_;
  std::vector<uint64_t> series_offsets_;
  // name -> (value, postings offset), values sorted.
  std::map<std::string_view, std::vector<std::pair<std::string_view, uint64_t>>, std::less<>>
      postings_;
};

std::string FormatBlockMeta(const BlockMeta& meta);
core::Result<BlockMeta> ParseBlockMeta(std::string_view text);

}  // namespace vigil::storage
