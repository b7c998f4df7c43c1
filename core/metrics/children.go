package metrics

import "sync"

// children keeps the children of a metric vector by their labels, each
// taken from the vector once. WithLabelValues hashes the labels and takes
// a lock every request shares each time it is called: on the webhook
// path, for two metrics, about a microsecond of each webhook's. The
// labels must be bounded, as for the vector itself.
type children[L comparable, M any] struct {
	byLabels sync.Map // L → M
	of       func(L) M
}

func newChildren[L comparable, M any](of func(L) M) *children[L, M] {
	return &children[L, M]{of: of}
}

// get returns the child for labels.
func (c *children[L, M]) get(labels L) M {
	if m, ok := c.byLabels.Load(labels); ok {
		return m.(M)
	}
	m, _ := c.byLabels.LoadOrStore(labels, c.of(labels))
	return m.(M)
}
