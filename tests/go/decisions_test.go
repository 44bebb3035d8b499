// The decision table (tests/cases/decisions.json), run against the Go runtime's pure functions
// (decide.go); tests/test_decisions.py runs the same table, and says how it reads. The functions
// are unexported: testdata/decisions_table_test.go is added to the package with
// `go test -overlay` (generated/go is left as it is). A deliberate change to each function,
// made in an overlaid copy of decide.go, must fail that function's section.
package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// One deliberate change per decision (text in decide.go -> its replacement).
var mutations = map[string][2]string{
	"expiry":          {"seconds > 0 && seconds <= maxLifetime", "seconds >= 0 && seconds <= maxLifetime"},
	"access_due":      {"min(margin, known/2)", "min(margin, known)"},
	"can_refresh":     {"now < *refreshTokenExpiresAt", "now <= *refreshTokenExpiresAt"},
	"ends_session":    {"status >= 500", "status >= 600"},
	"after_rejection": {`"lost": "drop"`, `"lost": "end"`},
	"after_401":       {"sends >= 3", "sends >= 2"}, // the one retry Go made before
	// A fenced store decided by the clocks.
	"after_read": {`case store == "other" && !fenced:`, `case store == "other":`},
}

// runTable runs the table in generated/go with these files replaced (or added); it returns
// whether it passed, and its output.
func runTable(t *testing.T, replaced map[string]string) (bool, string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(root, "generated", "go")
	files := map[string]string{
		filepath.Join(module, "decisions_table_test.go"): filepath.Join(root, "tests", "go", "testdata", "decisions_table_test.go"),
	}
	for name, source := range replaced {
		patched := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(patched, []byte(source), 0o600); err != nil {
			t.Fatal(err)
		}
		files[filepath.Join(module, name)] = patched
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": files})
	path := filepath.Join(t.TempDir(), "overlay.json")
	if err := os.WriteFile(path, overlay, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "test", "-count=1", "-overlay", path, "-run", "^TestDecisionTable$", ".")
	cmd.Dir = module
	cmd.Env = append(os.Environ(), "RCSDK_DECISIONS="+filepath.Join(root, "tests", "cases", "decisions.json"))
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}

func decisionSections(t *testing.T) []string {
	raw, err := os.ReadFile("../cases/decisions.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Decisions map[string]any `json:"decisions"`
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range table.Decisions {
		names = append(names, name)
	}
	return names
}

func TestDecisions(t *testing.T) {
	if passed, out := runTable(t, nil); !passed {
		t.Fatal(out)
	}
}

func TestEveryDecisionHasAMutation(t *testing.T) {
	sections := decisionSections(t)
	if len(sections) != len(mutations) {
		t.Fatalf("sections %v, mutations %v", sections, mutations)
	}
	for _, name := range sections {
		if _, ok := mutations[name]; !ok {
			t.Errorf("no mutation for %s", name)
		}
	}
}

func TestAChangedDecisionFailsItsSection(t *testing.T) {
	source, err := os.ReadFile("../../generated/go/decide.go")
	if err != nil {
		t.Fatal(err)
	}
	for section, change := range mutations {
		t.Run(section, func(t *testing.T) {
			t.Parallel()
			if strings.Count(string(source), change[0]) != 1 {
				t.Fatalf("%q is not once in decide.go", change[0])
			}
			mutant := strings.Replace(string(source), change[0], change[1], 1)
			passed, out := runTable(t, map[string]string{"decide.go": mutant})
			if passed || !strings.Contains(out, "FAIL "+section+": ") {
				t.Fatalf("the changed %s did not fail its section:\n%s", section, out)
			}
		})
	}
}
