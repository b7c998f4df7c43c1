package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// PluginState is a CRM plugin's state as the running hub last recorded it.
// The hub keeps it in the settings table, so `crmhub plugins list`, which
// opens the store rather than asking the hub, can show it.
type PluginState struct {
	CRM     string `json:"crm"`
	Enabled bool   `json:"enabled"`
	// State is starting, running, not_configured, crashed or stopped.
	State     string    `json:"state"`
	Version   string    `json:"version,omitempty"`
	PID       int       `json:"pid,omitempty"`
	Restarts  int       `json:"restarts"`
	LastError string    `json:"last_error,omitempty"`
	Since     time.Time `json:"since"`
	// NextAttempt is when the hub next tries to start or configure it.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// Secret names the settings the plugin marks secret.
	Secret []string `json:"secret,omitempty"`
	// Reporter names the hub process (host and pid) that recorded it, at
	// ReportedAt.
	Reporter   string    `json:"reporter"`
	ReportedAt time.Time `json:"reported_at"`
}

// pluginStatePrefix starts the settings key of every plugin state.
const pluginStatePrefix = "plugin_state/"

// SavePluginStates records the states of every configured CRM's plugin,
// replacing those recorded before; a CRM no longer configured loses its
// record.
func (s *Store) SavePluginStates(ctx context.Context, states []PluginState) error {
	rows := make([]Setting, len(states))
	keys := make([]string, len(states))
	for i, st := range states {
		value, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("store: encode plugin state of %s: %w", st.CRM, err)
		}
		keys[i] = pluginStatePrefix + st.CRM
		rows[i] = Setting{Key: keys[i], Value: string(value)}
	}
	err := s.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		gone := tx.idb.NewDelete().Model((*Setting)(nil)).Where("key LIKE ? ESCAPE '!'", likePrefix(pluginStatePrefix))
		if len(keys) > 0 {
			gone = gone.Where("key NOT IN (?)", bun.In(keys))
		}
		if _, err := gone.Exec(ctx); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		_, err := tx.idb.NewInsert().Model(&rows).On("CONFLICT (key) DO UPDATE").Set("value = EXCLUDED.value").Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save plugin states: %w", err)
	}
	return nil
}

// PluginStates returns the recorded plugin states, ordered by CRM.
func (q *Queries) PluginStates(ctx context.Context) ([]PluginState, error) {
	var rows []Setting
	err := q.idb.NewSelect().Model(&rows).Where("key LIKE ? ESCAPE '!'", likePrefix(pluginStatePrefix)).Order("key").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: read plugin states: %w", err)
	}
	states := make([]PluginState, 0, len(rows))
	for _, r := range rows {
		var st PluginState
		if err := json.Unmarshal([]byte(r.Value), &st); err != nil {
			return nil, fmt.Errorf("store: decode %s: %w", r.Key, err)
		}
		states = append(states, st)
	}
	slices.SortFunc(states, func(a, b PluginState) int { return strings.Compare(a.CRM, b.CRM) })
	return states, nil
}

// likePrefix is a LIKE pattern (escape character !) matching strings that
// begin with prefix, taking its % and _ literally.
func likePrefix(prefix string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(prefix) + "%"
}
