package plugin

import (
	"context"
	"sync"

	"github.com/crmhub/crmhub/plugins/activecampaign/api"
	"github.com/crmhub/crmhub/sdk"
)

// tagNames keeps the account's tag names by id, so GetContact (whose
// answer has tag ids only) costs one call, not one per tag. It lists the
// tags again when a contact carries an id it does not know (a tag made
// since); a tag renamed in ActiveCampaign shows its new name after the
// next ListTags or unknown id.
type tagNames struct {
	list func(context.Context) ([]api.Tag, error)

	mu    sync.Mutex
	names map[string]string
}

func newTagNames(list func(context.Context) ([]api.Tag, error)) *tagNames {
	return &tagNames{list: list, names: map[string]string{}}
}

// refresh lists every tag and keeps the names.
func (t *tagNames) refresh(ctx context.Context) ([]sdk.Tag, error) {
	listed, err := t.list(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(listed))
	tags := make([]sdk.Tag, 0, len(listed))
	for _, tag := range listed {
		names[tag.ID] = tag.Name
		tags = append(tags, sdk.Tag{ID: tag.ID, Name: tag.Name})
	}
	t.mu.Lock()
	t.names = names
	t.mu.Unlock()
	return tags, nil
}

// name returns the tags with these ids, named; an id still unknown after
// one refresh keeps an empty name (the hub keeps the name it knows).
func (t *tagNames) name(ctx context.Context, ids []string) ([]sdk.Tag, error) {
	if t.missing(ids) {
		if _, err := t.refresh(ctx); err != nil {
			return nil, err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tags := make([]sdk.Tag, 0, len(ids))
	for _, id := range ids {
		tags = append(tags, sdk.Tag{ID: id, Name: t.names[id]})
	}
	return tags, nil
}

func (t *tagNames) missing(ids []string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		if _, ok := t.names[id]; !ok {
			return true
		}
	}
	return false
}
