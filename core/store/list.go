package store

import (
	"github.com/uptrace/bun"
)

// Page asks for one page of a list. Lists run newest first; After is the
// id of the last row of the previous page (0 starts at the newest), so a
// page stays put while new rows arrive.
type Page struct {
	Limit int
	After int64
}

// paginate orders sel newest first and selects one row more than the page
// holds, which tells whether another page follows.
func (p Page) paginate(sel *bun.SelectQuery) *bun.SelectQuery {
	if p.After > 0 {
		sel = sel.Where("id < ?", p.After)
	}
	return sel.Order("id DESC").Limit(int64(p.Limit) + 1)
}

// cut trims the extra row paginate asked for and returns the cursor of the
// next page: the id of the page's last row, or 0 when none follows.
func cut[T any](p Page, rows []T, id func(T) int64) ([]T, int64) {
	if len(rows) <= p.Limit {
		return rows, 0
	}
	rows = rows[:p.Limit]
	return rows, id(rows[len(rows)-1])
}
