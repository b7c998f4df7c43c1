package metrics

// OutboxUnopenable counts an outbox item of kind whose sealed password
// this hub's secret key does not open; the item was kept.
func (m *Metrics) OutboxUnopenable(kind string) {
	if m == nil {
		return
	}
	m.outboxUnopenable.WithLabelValues(kind).Inc()
}
