package gcfloor

// Heap is what a collection found, for the specs.
type Heap = heap

// Pace is pace, returning its setting's fields.
func Pace(floor, headroom uint64, h Heap) (percent int, limit int64) {
	s := pace(floor, headroom, h)
	return s.percent, s.limit
}

// NewHeap is a Heap of these sizes.
func NewHeap(live, stacks, globals uint64) Heap {
	return heap{live: live, stacks: stacks, globals: globals}
}

// StartKeeper starts a keeper reading env instead of the process's
// environment, and tells whether one started.
func StartKeeper(floor, headroom uint64, env map[string]string) bool {
	k := newKeeper(floor, headroom, func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	})
	if k == nil {
		return false
	}
	k.start()
	return true
}
