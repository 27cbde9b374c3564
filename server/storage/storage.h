#pragma once
// The server's time-series database: the WAL (every acknowledged request), the head (recent
// series in memory) and blocks (older data on disk). Appends take the append lock; queries open
// a Querier on a snapshot; Maintain() cuts the head into blocks, compacts and applies
// retention. Layout of data_dir:
//   wal/               the wal/ library's segments and cursors ("head", forward destinations)
//   head.checkpoint    what the last block cut persisted (see Storage::Replay)
//   blocks/<name>/     index, chunks, meta
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "server/storage/appender.h"
#include "server/storage/block.h"
#include "server/storage/head.h"
#include "server/storage/querier.h"
#include "wal/wal.h"

namespace vigil::storage {

struct StorageOptions {
  std::string dir;
  int64_t block_range_ms = 2 * 3600 * 1000;
  int64_t out_of_order_window_ms = 24 * 3600 * 1000;
  int64_t retention_ms = 15ll * 24 * 3600 * 1000;  // 0: keep by time forever
  uint64_t retention_bytes = 0;                    // blocks together; 0: no size cap
  // While the file system of `dir` has less room than this, bounded WAL cursors (forwarding
  // destinations) give up their oldest backlog, so that forwarding never takes the room
  // ingestion needs. 0: 5% of the file system, at least kMinDiskReserve.
  uint64_t disk_reserve = 0;
  // Called by a head cut once its blocks are written, before it takes the append lock again:
  // tests append there.
  std::function<void()> while_cutting_unlocked;
};

inline constexpr uint64_t kMinDiskReserve = 256ull << 20;

struct TsdbStatus {
  HeadStats head;
  uint64_t blocks = 0;
  uint64_t block_bytes = 0;
  uint64_t wal_bytes = 0;
  // Top label pairs and names by series count in the head, as /api/v1/status/tsdb shows.
  std::vector<std::pair<std::string, uint64_t>> series_by_metric, series_by_label_pair,
      values_by_label_name, memory_by_label_name;
};

class Storage final : public Queryable, public Appendable {
 public:
  static core::Result<std::unique_ptr<Storage>> Open(StorageOptions options,
                                                     const core::Clock& clock,
                                                     core::MetricsRegistry& metrics);
  ~Storage() override;

  // A batch of writes (see Appender), which holds the append lock until it commits or ends.
  std::unique_ptr<Appender> OpenAppender() override;

  std::unique_ptr<Querier> OpenQuerier() const override;

  // Cuts the head into a block when it spans 1.5 block ranges, compacts blocks, deletes
  // what retention no longer keeps and WAL segments no one needs. Off the loop.
  core::Status Maintain();
  // Makes the appended samples durable against a power loss (they already are against a
  // crash once Append returns). Thread-safe.
  core::Status Sync() { return wal_->Sync(); }

  // Forwarding destinations read the WAL through their own cursors.
  wal::Wal& wal() { return *wal_; }
  TsdbStatus Stats(size_t top) const;
  std::vector<std::shared_ptr<Block>> blocks() const;
  const Head& head() const { return *head_; }

 private:
  class Batch;
  Storage(StorageOptions options, const core::Clock& clock, core::MetricsRegistry& metrics);
  core::Status LoadBlocks();
  core::Status Replay();
  struct CutBlocks {
    std::vector<std::shared_ptr<Block>> blocks;
    uint64_t series = 0, samples = 0;
  };
  // The head's data before `before`, a block per block range, on disk and opened.
  core::Result<CutBlocks> WriteHeadBlocks(int64_t before);
  core::Status CutHead(int64_t before);
  core::Status Compact();
  core::Status ApplyRetention();
  // Deletes the WAL segments no cursor needs, first making bounded cursors give up backlog
  // while the disk is short of room (StorageOptions::disk_reserve).
  void TrimWal();
  // The WAL's damage counters, as metrics.
  void ReportWalDamage();
  core::Result<std::shared_ptr<Block>> WriteMerged(const std::vector<std::shared_ptr<Block>>& in);
  void ReplaceBlocks(const std::vector<std::shared_ptr<Block>>& old,
                     std::shared_ptr<Block> replacement);
  std::string NewBlockDir(int64_t min_time) const;

  StorageOptions options_;
  const core::Clock& clock_;
  std::unique_ptr<wal::Wal> wal_;
  wal::Cursor* head_cursor_ = nullptr;
  std::unique_ptr<Head> head_;

  // Serializes what changes the head and the WAL: appends, and a block cut's WAL cut and swap.
  std::mutex append_mu_;
  std::unique_ptr<HeadAppender> appender_;  // under append_mu_, reset for every batch
  std::vector<wal::RefSample> refs_;        // scratch, under append_mu_

  // Guards the list, not the blocks (immutable). Shared pointers: a query in flight keeps
  // the blocks it started with after compaction or retention replaced them.
  mutable std::mutex blocks_mu_;
  std::vector<std::shared_ptr<Block>> blocks_;  // by min_time

  std::mutex maintain_mu_;  // one maintenance pass at a time
  mutable std::mt19937 block_random_{std::random_device{}()};

  core::Metric* samples_appended_;
  core::Metric* out_of_order_;
  core::Metric* duplicates_;
  core::Metric* rejected_;
  core::Metric* head_series_;
  core::Metric* head_chunks_;
  core::Metric* wal_bytes_;
  core::Metric* block_count_;
  core::Metric* block_bytes_;
  core::Metric* compactions_;
  core::Metric* compaction_seconds_;
  core::Metric* head_cuts_;
  core::Metric* head_cuts_locked_;
  core::Metric* retention_deleted_;
  core::Metric* replay_seconds_;
  core::Metric* replay_damaged_;
  core::Metric* wal_corruptions_;
  core::Metric* wal_corrupted_bytes_;
};

}  // namespace vigil::storage
