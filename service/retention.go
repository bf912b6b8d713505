package service

import (
	"context"
	"time"
)

// DefaultAuditRetention is how long events are kept unless configured.
const DefaultAuditRetention = 365 * 24 * time.Hour

// usageRetentionDays is how many UTC days of usage counts are kept, today
// included: the MaxUsageDays that GET /api-keys/{id}/usage reads, and two
// more. The margin is for processes whose clocks disagree around
// midnight: one that runs a little behind the pruning one, or flushes
// the last counts of a day late, still reads and writes only kept days.
const usageRetentionDays = MaxUsageDays + 2

// retentionBatch is how many rows one retention statement deletes: a few
// milliseconds of work, so that writers of new rows never wait long.
const retentionBatch = 1000

// PruneAuditLog deletes the events older than the retention period at
// now, in batches, and returns how many it deleted.
func (s *Service) PruneAuditLog(ctx context.Context) (int, error) {
	if s.cfg.AuditRetention < 0 {
		return 0, nil
	}
	cutoff := s.now().Add(-s.cfg.AuditRetention)
	return deleteInBatches(func() (int, error) { return s.store.DeleteEventsBefore(ctx, cutoff, retentionBatch) })
}

// PruneUsage deletes the usage counts of the days before the last
// usageRetentionDays at now, in batches, and returns how many rows it
// deleted. Unlike the audit log's, this retention is not configurable: no
// reader asks for older days.
func (s *Service) PruneUsage(ctx context.Context) (int, error) {
	cutoff := dayTime(utcDay(s.now())).AddDate(0, 0, 1-usageRetentionDays)
	return deleteInBatches(func() (int, error) { return s.store.DeleteUsageBefore(ctx, cutoff, retentionBatch) })
}

// deleteInBatches calls del until it deletes fewer than retentionBatch
// rows or fails, and returns how many rows it deleted in all.
func deleteInBatches(del func() (int, error)) (int, error) {
	total := 0
	for {
		n, err := del()
		total += n
		if err != nil || n < retentionBatch {
			return total, err
		}
	}
}

// prune runs PruneAuditLog and PruneUsage every interval until ctx ends.
func (s *Service) prune(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.logPruned(ctx, "the audit log", s.PruneAuditLog)
		s.logPruned(ctx, "usage counts", s.PruneUsage)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// logPruned runs one pruner and logs what it did.
func (s *Service) logPruned(ctx context.Context, what string, prune func(context.Context) (int, error)) {
	if n, err := prune(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("pruning "+what+" failed", "err", err, "deleted", n)
	} else if n > 0 {
		s.log.Info("pruned "+what, "deleted", n)
	}
}
