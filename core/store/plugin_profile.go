package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// PluginProfile is a CRM's plugin Info (JSON, as the hub encodes it) as
// its plugin last gave it. The hub reads the webhook profile from it while
// the plugin is not up, e.g. right after a restart.
type PluginProfile struct {
	bun.BaseModel `bun:"table:plugin_profiles"`

	CRM       string    `bun:"crm,pk"`
	Info      string    `bun:"info,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// SavePluginProfile records a CRM's plugin Info, replacing the one before.
func (q *Queries) SavePluginProfile(ctx context.Context, crm, info string) error {
	row := &PluginProfile{CRM: crm, Info: info, UpdatedAt: time.Now().UTC()}
	_, err := q.idb.NewInsert().Model(row).On("CONFLICT (crm) DO UPDATE").
		Set("info = EXCLUDED.info").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: save the plugin profile of %s: %w", crm, err)
	}
	return nil
}

// PluginProfiles returns every recorded plugin Info by CRM.
func (q *Queries) PluginProfiles(ctx context.Context) (map[string]string, error) {
	var rows []PluginProfile
	if err := q.idb.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: read plugin profiles: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.CRM] = r.Info
	}
	return out, nil
}
