// What the Go tests share: paths, a clock the tests move instead of sleeping, the local
// platform (rcsdk.testing serve, started once) and a scripted loopback server (the twin of
// tests/_scripted.py).
package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rcsdk.local/rcsdk"
)

// root is the repository's root.
var root, _ = filepath.Abs("../..")

func TestMain(m *testing.M) {
	code := m.Run()
	local.stop()
	securityLocal.stop()
	redisLocal.stop()
	stopSharedRedis()
	os.Exit(code)
}

// readJSON decodes a file of the repository.
func readJSON(t testing.TB, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatal(err)
	}
}

// fakeClock is a clock the sleeps move forward (recorded, in seconds).
type fakeClock struct {
	mu     sync.Mutex
	now    float64
	sleeps []float64
}

func (c *fakeClock) options() []rcsdk.Option {
	return []rcsdk.Option{
		rcsdk.WithClock(func() time.Time {
			c.mu.Lock()
			defer c.mu.Unlock()
			return time.Unix(0, int64(c.now*1e9))
		}),
		rcsdk.WithSleep(func(_ context.Context, d time.Duration) error {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.sleeps = append(c.sleeps, d.Seconds())
			c.now += d.Seconds()
			return nil
		}),
	}
}

// scriptedResponse is one answer of a scripted server.
type scriptedResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// scripted is a loopback server that answers responses in order, whatever the path, and
// records the method and path of what it received.
type scripted struct {
	*httptest.Server
	mu        sync.Mutex
	responses []scriptedResponse
	seen      [][2]string
}

func newScripted(t testing.TB, responses []scriptedResponse) *scripted {
	s := &scripted{responses: responses}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, [2]string{r.Method, r.URL.EscapedPath()})
		if len(s.responses) == 0 {
			s.mu.Unlock()
			http.Error(w, `{"message": "no scripted response left"}`, 599)
			return
		}
		answer := s.responses[0]
		s.responses = s.responses[1:]
		s.mu.Unlock()
		for key, value := range answer.Headers {
			w.Header().Set(key, value)
		}
		w.WriteHeader(answer.Status)
		_, _ = io.WriteString(w, answer.Body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) requests() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][2]string{}, s.seen...)
}

// localPlatform is python -m rcsdk.testing serve, started once for the whole run.
type localPlatform struct {
	once sync.Once
	args []string // more options of rcsdk.testing serve
	cmd  *exec.Cmd
	env  map[string]string
	err  error
}

// local serves the behaviour tests; the security table has one of its own, so that no
// connection left over from another test (a goroutine storm's extra dials, accepted late on a
// busy machine) is counted as one of its cases' requests.
var local, securityLocal localPlatform

var exportLine = regexp.MustCompile(`^export (RC_\w+)=(.*)$`)

// environment is the RC_* variables of the local platform's confidential app and its user.
func (l *localPlatform) environment(t testing.TB) map[string]string {
	t.Helper()
	l.once.Do(func() {
		python := os.Getenv("RCSDK_PYTHON")
		if python == "" {
			python = filepath.Join(root, ".venv", "bin", "python")
		}
		l.cmd = exec.Command(python, append([]string{"-m", "rcsdk.testing", "serve", "--port", "0", "--auth-rate-limit", "off"}, l.args...)...)
		l.cmd.Dir = root
		out, err := l.cmd.StdoutPipe()
		if err == nil {
			err = l.cmd.Start()
		}
		if err != nil {
			l.err = err
			return
		}
		l.env = map[string]string{}
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			line := lines.Text()
			if m := exportLine.FindStringSubmatch(line); m != nil {
				l.env[m[1]] = strings.Trim(m[2], "'")
			}
			if strings.HasPrefix(line, "listening on ") {
				go func() { _, _ = io.Copy(io.Discard, out) }()
				return
			}
		}
		l.err = fmt.Errorf("the local platform did not start")
	})
	if l.err != nil {
		t.Fatal(l.err)
	}
	return l.env
}

func (l *localPlatform) stop() {
	if l.cmd != nil && l.cmd.Process != nil {
		_ = l.cmd.Process.Kill()
		_ = l.cmd.Wait()
	}
}

// counts is GET /rcsdk-testing/ of the local platform, on a connection of its own.
func (l *localPlatform) counts(t testing.TB) (counts map[string]int, connections int) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	response, err := client.Get(l.environment(t)["RC_SERVER"] + "/rcsdk-testing/")
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	var body struct {
		Counts      map[string]int `json:"counts"`
		Connections int            `json:"connections"`
	}
	if err := json.NewDecoder(response.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Counts, body.Connections
}

// localSDK is an SDK of the local platform's confidential app.
func localSDK(t testing.TB, options ...rcsdk.Option) *rcsdk.SDK {
	t.Helper()
	env := local.environment(t)
	sdk, err := rcsdk.New(env["RC_APP_KEY"], env["RC_APP_SECRET"], env["RC_SERVER"], options...)
	if err != nil {
		t.Fatal(err)
	}
	return sdk
}
