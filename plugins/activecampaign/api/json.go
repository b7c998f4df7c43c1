package api

import (
	"encoding/json"
	"strconv"
	"strings"
)

// jsonRaw is a part of an answer decoded later; missing decodes to nothing.
type jsonRaw json.RawMessage

func (r *jsonRaw) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

func (r jsonRaw) decode(into any) error {
	if len(r) == 0 || string(r) == "null" {
		return nil
	}
	return json.Unmarshal(r, into)
}

// flexInt reads a count ActiveCampaign writes as a string ("12") or a
// number; anything else reads as 0.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := strconv.Atoi(s)
	if err != nil {
		*n = 0
		return nil
	}
	*n = flexInt(v)
	return nil
}
