package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/skillett/skillett"
	"github.com/skillett/skillett/postgres/pgtest"
	"github.com/skillett/skillett/storetest"
)

// BenchmarkFlush is the database side of usage counting (issue 13): each
// serve process writes, per flush interval, one last_used_at batch and one
// usage batch, a row per key used (and per day). With 10 000 active keys
// per process, an op is one process's flush; "2_processes" runs two
// processes' flushes at once, on separate pools, over distinct keys.
func BenchmarkFlush(b *testing.B) {
	const keys = 10_000
	dsn := pgtest.NewDatabase(b)
	open := func(i int) (*storeWithKeys, error) {
		st := MustOpen(b, dsn)
		u := storetest.MustCreateUser(b, st, fmt.Sprintf("p%d@example.com", i), skillett.PlanPro)
		ks := make([]*skillett.Key, keys)
		for j := range ks {
			ks[j], _ = storetest.NewKey(u.ID, storetest.T0)
		}
		if err := st.InsertKeys(b.Context(), ks); err != nil {
			return nil, err
		}
		return &storeWithKeys{st: st, keys: ks}, nil
	}
	procs := make([]*storeWithKeys, 2)
	for i := range procs {
		p, err := open(i)
		if err != nil {
			b.Fatal(err)
		}
		procs[i] = p
	}
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("%d_processes", n), func(b *testing.B) {
			var round int
			for _, p := range procs {
				p.touch, p.usage = 0, 0
			}
			for b.Loop() {
				round++
				var wg sync.WaitGroup
				for _, p := range procs[:n] {
					wg.Go(func() {
						if err := p.flush(b, round); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
			b.ReportMetric(float64(n*2*keys)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(procs[0].touch.Milliseconds())/float64(b.N), "touch-ms/op")
			b.ReportMetric(float64(procs[0].usage.Milliseconds())/float64(b.N), "usage-ms/op")
		})
	}
}

type storeWithKeys struct {
	st           skillett.Store
	keys         []*skillett.Key
	touch, usage time.Duration // time spent in each batch
}

// flush writes what one flush of a process whose keys were all used since
// the last one writes: last_used_at and today's counts for every key.
func (p *storeWithKeys) flush(b *testing.B, round int) error {
	at := storetest.T0.Add(time.Duration(round) * time.Second)
	used := make(map[string]time.Time, len(p.keys))
	days := make([]skillett.UsageDay, len(p.keys))
	day := at.Truncate(24 * time.Hour)
	for i, k := range p.keys {
		used[k.ID] = at
		days[i] = skillett.UsageDay{KeyID: k.ID, Day: day, Counts: skillett.UsageCounts{int64(round), 0, 1}}
	}
	t0 := time.Now()
	if err := p.st.TouchKeys(b.Context(), used); err != nil {
		return err
	}
	t1 := time.Now()
	err := p.st.AddUsage(b.Context(), days)
	p.touch, p.usage = p.touch+t1.Sub(t0), p.usage+time.Since(t1)
	return err
}
