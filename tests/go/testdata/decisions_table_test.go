// The decision table, inside package rcsdk (its decisions are unexported): tests/go/
// decisions_test.go adds this file to generated/go with `go test -overlay`, and runs it against
// decide.go as it is and against copies changed on purpose. Each failing row is printed as
// "FAIL section: row".
package rcsdk

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// decisions: each section of the table, as a call of its function with a row's arguments.
var decisions = map[string]func(args []any) any{
	"expiry": func(a []any) any { return expiry(number(a[0]), integer(a[1])) },
	"access_due": func(a []any) any {
		return accessDue(optional(a[0]), integer(a[1]), number(a[2]), number(a[3]))
	},
	"can_refresh": func(a []any) any { return canRefresh(text(a[0]), optional(a[1]), number(a[2])) },
	"ends_session": func(a []any) any {
		return endsSession(int(number(a[0])), text(a[1]), texts(a[2]))
	},
	"after_rejection": func(a []any) any { return afterRejection(text(a[0])) },
	"after_read": func(a []any) any {
		return afterRead(a[0].(bool), text(a[1]), a[2].(bool), a[3].(bool))
	},
	"after_401": func(a []any) any {
		return after401(int(number(a[0])), a[1].(bool), a[2].(bool))
	},
}

func number(v any) float64 { return v.(float64) }

func optional(v any) *float64 {
	if v == nil {
		return nil
	}
	f := v.(float64)
	return &f
}

func integer(v any) int64 {
	if v == nil {
		return 0 // Go's TokenInfo holds 0 for a lifetime the answer did not give
	}
	return int64(v.(float64))
}

func text(v any) string {
	if v == nil {
		return ""
	}
	return v.(string)
}

func texts(v any) []string {
	var out []string
	for _, item := range v.([]any) {
		out = append(out, item.(string))
	}
	return out
}

// plain is a value as JSON reads it back (a *float64 as its number, nil as null).
func plain(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(err)
	}
	return out
}

func TestDecisionTable(t *testing.T) {
	raw, err := os.ReadFile(os.Getenv("RCSDK_DECISIONS"))
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Decisions map[string]struct {
			Args []string         `json:"args"`
			Rows []map[string]any `json:"rows"`
		} `json:"decisions"`
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	for name, section := range table.Decisions {
		call, ok := decisions[name]
		if !ok {
			t.Errorf("FAIL %s: no function", name)
			continue
		}
		for _, row := range section.Rows {
			args := make([]any, len(section.Args))
			for i, arg := range section.Args {
				args[i] = row[arg]
			}
			got, want := plain(call(args)), plain(row["expect"])
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("FAIL %s: %s (got %v)", name, row["name"], got)
			}
		}
	}
}
