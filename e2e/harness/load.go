package harness

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Load sends webhooks over many keep-alive connections at once and sums up
// the answers. Set URL, Connections and Hook (or Request); the zero values
// of the rest send as fast as answers come until ctx ends.
type Load struct {
	// URL is the base URL of the server: a hub's, or any other.
	URL string
	// Connections is how many requests are in flight at most, each on
	// its own keep-alive connection.
	Connections int
	// Hook is the i-th webhook to send; i counts from 0 over all
	// connections.
	Hook func(i int) Hook
	// Request, when set, builds the i-th request instead of Hook and URL:
	// a webhook of another shape (e.g. Hub.HubSpotRequest), or one to
	// another server (load spread over replicas).
	Request func(ctx context.Context, i int) (*http.Request, error)
	// Rate paces the requests, per second over all connections; 0 sends
	// the next as soon as a connection is free.
	Rate float64
	// Count stops the load after this many requests, Duration after this
	// long, and closing Stop when it is closed. Zero values set no limit.
	Count    int
	Duration time.Duration
	Stop     <-chan struct{}
	// OnAnswer, when set, sees every request's answer, on the goroutine
	// of its connection.
	OnAnswer func(Shot)
	// Resend sends a webhook that got no answer again, as a CRM retries
	// one, instead of going on to the next; it still counts as sent and
	// failed each time.
	Resend bool
}

// Shot is one request of a load and how it went.
type Shot struct {
	Index int
	// Status is the answer's status; 0 when none came (Err says why).
	Status  int
	Body    []byte
	Err     error
	Latency time.Duration
}

// Result sums up a load.
type Result struct {
	// Sent counts the requests; OK those answered 2xx, Refused those
	// answered otherwise, Failed those that got no answer.
	Sent, OK, Refused, Failed int
	// Statuses counts the answers by status.
	Statuses map[int]int
	// Elapsed is the load's wall time.
	Elapsed time.Duration
	// Latencies are the times to the 2xx answers, shortest first.
	Latencies []time.Duration
	// FirstFailure says why a request got no answer, for a report: the
	// first such error that one of the connections met.
	FirstFailure error
}

// PerSecond is the rate of 2xx answers.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Percentile is the p-th percentile (0–100) of the 2xx latencies.
func (r Result) Percentile(p float64) time.Duration {
	return Percentile(r.Latencies, p)
}

// Percentile is the p-th percentile (0–100) of sorted durations, by the
// nearest-rank method; 0 for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// failurePause keeps a connection from spinning while the server is down.
const failurePause = 5 * time.Millisecond

// Run sends the load and returns once it is done and every answer is in:
// when Count, Duration or Stop ends it, requests in flight still finish;
// when ctx ends, they are abandoned.
func (l *Load) Run(ctx context.Context) Result {
	stop, cancel := context.WithCancel(ctx) // no new requests once it ends
	defer cancel()
	if l.Duration > 0 {
		stop, cancel = context.WithTimeout(stop, l.Duration)
		defer cancel()
	}
	if l.Stop != nil {
		go func() {
			select {
			case <-l.Stop:
				cancel()
			case <-stop.Done():
			}
		}()
	}
	transport := &http.Transport{
		MaxIdleConnsPerHost: l.Connections,
		MaxConnsPerHost:     l.Connections,
		DisableCompression:  true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: time.Minute}

	var turns <-chan struct{}
	if l.Rate > 0 {
		turns = pace(stop, l.Rate, l.Connections)
	}
	var (
		next    atomic.Int64
		mu      sync.Mutex
		total   = Result{Statuses: map[int]int{}}
		workers sync.WaitGroup
	)
	start := time.Now()
	for range l.Connections {
		workers.Go(func() {
			mine := Result{Statuses: map[int]int{}}
			defer func() {
				mu.Lock()
				total.add(mine)
				mu.Unlock()
			}()
			for {
				if turns != nil {
					select {
					case <-turns:
					case <-stop.Done():
						return
					}
				}
				i := int(next.Add(1) - 1)
				if stop.Err() != nil || (l.Count > 0 && i >= l.Count) {
					return
				}
				for {
					shot := l.send(ctx, client, i)
					mine.count(shot)
					if l.OnAnswer != nil {
						l.OnAnswer(shot)
					}
					if shot.Status != 0 || stop.Err() != nil {
						break
					}
					time.Sleep(failurePause)
					if !l.Resend {
						break
					}
				}
			}
		})
	}
	workers.Wait()
	total.Elapsed = time.Since(start)
	slices.Sort(total.Latencies)
	return total
}

func (l *Load) send(ctx context.Context, client *http.Client, i int) Shot {
	shot := Shot{Index: i}
	req, err := l.request(ctx, i)
	if err != nil {
		shot.Err = err
		return shot
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		shot.Err = err
		return shot
	}
	shot.Body, shot.Err = io.ReadAll(resp.Body)
	resp.Body.Close()
	shot.Latency = time.Since(start)
	shot.Status = resp.StatusCode
	return shot
}

// request builds the i-th request, by Request or else by Hook.
func (l *Load) request(ctx context.Context, i int) (*http.Request, error) {
	if l.Request != nil {
		return l.Request(ctx, i)
	}
	return l.Hook(i).Request(ctx, l.URL)
}

func (r *Result) count(s Shot) {
	r.Sent++
	switch {
	case s.Status == 0:
		r.Failed++
		if r.FirstFailure == nil {
			r.FirstFailure = s.Err
		}
	case s.Status >= 200 && s.Status < 300:
		r.OK++
		r.Latencies = append(r.Latencies, s.Latency)
	default:
		r.Refused++
	}
	if s.Status != 0 {
		r.Statuses[s.Status]++
	}
}

// Then sums up r and a load run after it as one load: the answers of
// both, over the time of both.
func (r Result) Then(o Result) Result {
	sum := Result{Statuses: map[int]int{}, Elapsed: r.Elapsed + o.Elapsed}
	sum.add(r)
	sum.add(o)
	slices.Sort(sum.Latencies)
	return sum
}

func (r *Result) add(o Result) {
	r.Sent += o.Sent
	r.OK += o.OK
	r.Refused += o.Refused
	r.Failed += o.Failed
	if r.FirstFailure == nil {
		r.FirstFailure = o.FirstFailure
	}
	for status, n := range o.Statuses {
		r.Statuses[status] += n
	}
	r.Latencies = append(r.Latencies, o.Latencies...)
}

// pace hands out turns at rate per second until ctx ends. The turns keep
// to a schedule from the start, not to a ticker: a pacer woken late, as
// it is on a busy machine, hands out every turn that fell due meanwhile,
// where a ticker drops them (asked for 10,800 a second on two busy
// cores, a ticker gave about 5,200). Up to kept turns wait for a
// connection to take them; more are skipped, not saved up, so a server
// slower than the rate is not hit with a burst afterwards.
func pace(ctx context.Context, rate float64, kept int) <-chan struct{} {
	turns := make(chan struct{}, kept)
	go func() {
		interval := time.Duration(float64(time.Second) / rate)
		start := time.Now()
		wait := time.NewTimer(0)
		defer wait.Stop()
		for handed := 0; ; {
			select {
			case <-ctx.Done():
				return
			case <-wait.C:
			}
			for due := int(time.Since(start)/interval) + 1; handed < due; handed++ {
				select {
				case turns <- struct{}{}:
				default:
				}
			}
			wait.Reset(time.Until(start.Add(time.Duration(handed) * interval)))
		}
	}()
	return turns
}
