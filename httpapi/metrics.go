package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skillett/skillett"
)

// Metrics are the service's Prometheus metrics, on a registry of their own
// (no global state).
type Metrics struct {
	Registry *prometheus.Registry

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	verify   map[skillett.Outcome]prometheus.Counter // by outcome, resolved once
	cache    [2]prometheus.Counter                   // misses, hits
}

// NewMetrics registers the service's metrics, with the Go runtime and
// process collectors, on a new registry.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skillett_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "skillett_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		verify: map[skillett.Outcome]prometheus.Counter{},
	}
	verifications := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skillett_key_verifications_total",
		Help: "API key verifications by outcome (valid, malformed, not_found, revoked, expired, insufficient_scope, ip_not_allowed, rate_limited): the last two count IP allowlist and rate-limit refusals.",
	}, []string{"outcome"})
	for _, o := range skillett.VerifyOutcomes {
		m.verify[o] = verifications.WithLabelValues(string(o))
	}
	lookups := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skillett_verification_cache_lookups_total",
		Help: "Verifications of well-formed keys by whether the in-process cache answered (hit) or the store did (miss).",
	}, []string{"result"})
	m.cache = [2]prometheus.Counter{lookups.WithLabelValues("miss"), lookups.WithLabelValues("hit")}
	reg.MustRegister(m.requests, m.latency, verifications, lookups)
	return m
}

// ObserveVerification counts one verification; it is the service's
// OnVerify hook.
func (m *Metrics) ObserveVerification(outcome skillett.Outcome, cacheHit bool) {
	if c := m.verify[outcome]; c != nil {
		c.Inc()
	}
	if outcome != skillett.VerifyMalformed {
		hit := 0
		if cacheHit {
			hit = 1
		}
		m.cache[hit].Inc()
	}
}

func (m *Metrics) observeRequest(route string, status int, d time.Duration) {
	// The label lookups are not cached per route: a sync.Map of them saved
	// one allocation a request and no measurable time (BENCHMARKS.md).
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// Handler serves the registry in the Prometheus text format, or in
// OpenMetrics when the request's Accept header asks for it (as the OpenAPI
// document says).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{EnableOpenMetrics: true})
}
