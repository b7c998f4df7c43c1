package metrics

import "time"

// Attempted records how long one attempt at applying an event took.
func (m *Metrics) Attempted(crm, action string, d time.Duration) {
	if m == nil {
		return
	}
	m.processing.WithLabelValues(crm, action).Observe(d.Seconds())
}

// Processed counts an event the engine finished with outcome.
func (m *Metrics) Processed(crm, outcome string) {
	if m == nil {
		return
	}
	m.processed.WithLabelValues(crm, outcome).Inc()
}

// Retried counts an attempt that failed with an error worth retrying.
func (m *Metrics) Retried(crm string) {
	if m == nil {
		return
	}
	m.retries.WithLabelValues(crm).Inc()
}

// WaitedForPlugin counts an attempt handed back because the CRM's plugin
// was not available.
func (m *Metrics) WaitedForPlugin(crm string) {
	if m == nil {
		return
	}
	m.pluginWaits.WithLabelValues(crm).Inc()
}

// SharedLookup counts an event applied with its contact as fetched for
// an earlier event of the contact, without asking the CRM again.
func (m *Metrics) SharedLookup(crm string) {
	if m == nil {
		return
	}
	m.sharedLookups.WithLabelValues(crm).Inc()
}

// CRMCall records one call to a CRM's API: how long it took and, when
// errKind is not empty, how it failed.
func (m *Metrics) CRMCall(crm, call string, d time.Duration, errKind string) {
	if m == nil {
		return
	}
	m.crmCalls.WithLabelValues(crm, call).Inc()
	m.crmDuration.WithLabelValues(crm, call).Observe(d.Seconds())
	if errKind != "" {
		m.crmErrors.WithLabelValues(crm, call, errKind).Inc()
	}
}
