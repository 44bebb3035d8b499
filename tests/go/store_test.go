// FileTokenStore's rules on disk, in Go (each language has its own store over the shared file
// protocol; Python's tests/test_store.py and PHP's StoreTest.php hold theirs to the same rules):
// no symbolic link followed, nothing others may write, nothing too large read, content that is
// not auth data an ErrAuthData, 0600 files, and a lock timeout naming the process that holds it.
package tests

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rcsdk.local/rcsdk"
)

func newStore(t *testing.T) *rcsdk.FileTokenStore {
	t.Helper()
	store, err := rcsdk.NewFileTokenStore(filepath.Join(t.TempDir(), "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	return store
}

func TestFileTokenStoreTrustsNothingOnDisk(t *testing.T) {
	refused := map[string]func(store *rcsdk.FileTokenStore){
		"a symbolic link": func(store *rcsdk.FileTokenStore) {
			target := store.Path + ".elsewhere"
			_ = os.WriteFile(target, []byte("{}"), 0o600)
			_ = os.Symlink(target, store.Path)
		},
		"writable by others": func(store *rcsdk.FileTokenStore) {
			_ = os.WriteFile(store.Path, []byte("{}"), 0o600)
			_ = os.Chmod(store.Path, 0o666)
		},
		"too large": func(store *rcsdk.FileTokenStore) {
			_ = os.WriteFile(store.Path, []byte(strings.Repeat(" ", rcsdk.MaxStoreBytes+1)), 0o600)
		},
		"a directory": func(store *rcsdk.FileTokenStore) { _ = os.Mkdir(store.Path, 0o700) },
	}
	for name, plant := range refused {
		store := newStore(t)
		plant(store)
		if _, err := store.Load(); !errors.Is(err, rcsdk.ErrTokenStore) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, content := range map[string]string{"not JSON": "{", "not an object": "[1]", "not UTF-8": "\xff"} {
		store := newStore(t)
		_ = os.WriteFile(store.Path, []byte(content), 0o600)
		if _, err := store.Load(); !errors.Is(err, rcsdk.ErrAuthData) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A link planted at the path is refused for writing too, and never written through.
	store := newStore(t)
	target := store.Path + ".elsewhere"
	_ = os.WriteFile(target, []byte("{}"), 0o600)
	_ = os.Symlink(target, store.Path)
	if err := store.Save(map[string]any{"version": 1}); !errors.Is(err, rcsdk.ErrTokenStore) {
		t.Errorf("save through a link: %v", err)
	}
	if text, _ := os.ReadFile(target); string(text) != "{}" {
		t.Errorf("the link's target was written: %s", text)
	}
}

func TestFileTokenStoreWritesPrivateFiles(t *testing.T) {
	store := newStore(t)
	if err := store.Save(validTokens()); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(store.Path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", info, err)
	}
	data, err := store.Load()
	if err != nil || data["token"].(map[string]any)["access_token"] != "case-access-token-0001" {
		t.Fatalf("%v %v", data, err)
	}
	if err := store.Save(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(store.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("nil did not remove the file: %v", err)
	}
}

// The lock is the file's flock: held elsewhere (here: another open file, as another process
// holds it), Lock waits LockTimeout, then names the lock file and the process in it.
func TestFileTokenStoreLockTimeoutNamesTheHolder(t *testing.T) {
	store := newStore(t)
	holder, err := os.OpenFile(store.LockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := syscall.Flock(int(holder.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	_, _ = holder.WriteString("4242\n")
	store.LockTimeout = 100 * time.Millisecond
	started := time.Now()
	_, err = store.Lock(context.Background())
	if !errors.Is(err, rcsdk.ErrTokenStore) || !strings.Contains(err.Error(), store.LockPath) || !strings.Contains(err.Error(), "process 4242") {
		t.Errorf("%v", err)
	}
	if elapsed := time.Since(started); elapsed > 5*time.Second {
		t.Errorf("waited %s for a 100ms lock timeout", elapsed)
	}
	_ = syscall.Flock(int(holder.Fd()), syscall.LOCK_UN)
	unlock, err := store.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := os.ReadFile(store.LockPath)
	if strings.TrimSpace(string(pid)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("the lock file names %q, not this process", pid)
	}
	unlock()
}

// A store that refuses writes loses no token: the login succeeds, EventStoreError reports it
// once, calls go on with the tokens in memory, and they are written once the store takes them.
func TestTokensTheStoreRefusedAreKept(t *testing.T) {
	store := &refusingStore{MemoryTokenStore: rcsdk.NewMemoryTokenStore(), refuse: true}
	platform := localSDK(t, rcsdk.WithStore(store)).Platform()
	var reported []error
	platform.On(rcsdk.EventStoreError, func(payload any) { reported = append(reported, payload.(error)) })
	ctx := context.Background()
	if _, err := platform.LoginJWT(ctx, local.environment(t)["RC_JWT"]); err != nil {
		t.Fatal(err)
	}
	if _, err := platform.ReadExtension(ctx); err != nil {
		t.Fatal(err)
	}
	if len(reported) != 1 || !errors.Is(reported[0], rcsdk.ErrTokenStore) {
		t.Errorf("store errors reported: %v", reported)
	}
	store.refuse = false
	if _, err := platform.ReadExtension(ctx); err != nil {
		t.Fatal(err)
	}
	if data, _ := store.Load(); data == nil {
		t.Error("the kept tokens were not written once the store took writes")
	}
}

type refusingStore struct {
	*rcsdk.MemoryTokenStore
	refuse bool
}

func (r *refusingStore) Save(data map[string]any) error {
	if r.refuse {
		return errors.New("disk full")
	}
	return r.MemoryTokenStore.Save(data)
}

// --- issue #20: the same tests in Python (tests/test_store.py, test_lifecycle.py), JS
// (tests/js/store.test.mjs) and PHP (tests/php/StoreTest.php); a FIFO, a umask, a hard link or
// a lock held elsewhere cannot be a row of a JSON table.

func TestANamedPipeAtTheStorePathDoesNotBlock(t *testing.T) {
	store := newStore(t)
	if err := syscall.Mkfifo(store.Path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := store.Load()
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, rcsdk.ErrTokenStore) || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("a named pipe was read as a token store: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("blocked for 5 s") // the goroutine stays blocked in open(2) until the test ends
	}
}

func TestFilesAreCreated0600InA0700FolderWhateverTheUmask(t *testing.T) {
	store, err := rcsdk.NewFileTokenStore(filepath.Join(t.TempDir(), "new", "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0) // the process's umask: no test of this package runs in parallel
	func() {
		defer syscall.Umask(old)
		unlock, err := store.Lock(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		if err := store.Save(map[string]any{"version": 1}); err != nil {
			t.Fatal(err)
		}
	}()
	for path, mode := range map[string]os.FileMode{store.Path: 0o600, store.LockPath: 0o600, filepath.Dir(store.Path): 0o700} {
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != mode {
			t.Errorf("%s: %v %v, expected %04o", path, info.Mode().Perm(), err, mode)
		}
	}
}

func TestAHardLinkAtTheLockPathIsNotWrittenThrough(t *testing.T) {
	store := newStore(t)
	target := filepath.Join(filepath.Dir(store.Path), "victim")
	if err := os.WriteFile(target, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(target, store.LockPath); err != nil {
		t.Fatal(err)
	}
	unlock, err := store.Lock(context.Background())
	if err == nil {
		unlock()
		t.Error("the lock was taken through a hard link")
	} else if !errors.Is(err, rcsdk.ErrTokenStore) || !regexp.MustCompile(`\.lock.*hard link`).MatchString(err.Error()) {
		t.Errorf("%v", err)
	}
	if text, _ := os.ReadFile(target); string(text) != "precious\n" {
		t.Errorf("the link's target was written: %q", text)
	}
}

// The lock is a directory, a link, or held (by another open file here, as another process
// holds it) past LockTimeout: the issued tokens stay in use, and EventStoreError says why.
func TestALoginWhoseStoreLockCannotBeTakenKeepsItsTokens(t *testing.T) {
	for _, blocker := range []string{"directory", "symlink", "held"} {
		t.Run(blocker, func(t *testing.T) {
			store := newStore(t)
			store.LockTimeout = 200 * time.Millisecond
			switch blocker {
			case "directory":
				if err := os.Mkdir(store.LockPath, 0o700); err != nil {
					t.Fatal(err)
				}
			case "symlink":
				if err := os.Symlink(store.Path+".elsewhere", store.LockPath); err != nil {
					t.Fatal(err)
				}
			case "held":
				holder, err := os.OpenFile(store.LockPath, os.O_RDWR|os.O_CREATE, 0o600)
				if err != nil {
					t.Fatal(err)
				}
				defer holder.Close()
				if err := syscall.Flock(int(holder.Fd()), syscall.LOCK_EX); err != nil {
					t.Fatal(err)
				}
			}
			platform := localSDK(t, rcsdk.WithStore(store), rcsdk.WithLogger(func(string, string) {})).Platform()
			var reported []error
			platform.On(rcsdk.EventStoreError, func(payload any) { reported = append(reported, payload.(error)) })
			ctx := context.Background()
			token, err := platform.LoginJWT(ctx, local.environment(t)["RC_JWT"])
			if err != nil {
				t.Fatal(err)
			}
			if len(reported) != 1 || !errors.Is(reported[0], rcsdk.ErrTokenStore) {
				t.Errorf("store errors reported: %v", reported)
			}
			data := platform.GetAuthData()
			if kept, _ := data["token"].(map[string]any); kept == nil || kept["access_token"] != token.AccessToken {
				t.Error("the issued tokens are not in use")
			}
			if extension, err := platform.ReadExtension(ctx); err != nil || extension.ExtensionNumber != "101" {
				t.Errorf("%v %v", extension, err)
			}
		})
	}
}

// A link and a file swapped at the lock path over and over (tests/_swap_lock.py, the child
// every language's test runs): whatever Lock opened, the link's target is never written.
func TestALinkSwappedInAtTheLockPathIsNeverWrittenThrough(t *testing.T) {
	store := newStore(t)
	store.LockTimeout = time.Second
	target := filepath.Join(filepath.Dir(store.Path), "victim")
	if err := os.WriteFile(target, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	python := os.Getenv("RCSDK_PYTHON")
	if python == "" {
		python = filepath.Join(root, ".venv", "bin", "python")
	}
	swapper := exec.Command(python, filepath.Join(root, "tests", "_swap_lock.py"), store.LockPath, target)
	stdin, err := swapper.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := swapper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := swapper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		_ = swapper.Wait()
	}()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "swapping\n" {
		t.Fatalf("%q %v", line, err)
	}
	for i := 0; i < 2000; i++ {
		if unlock, err := store.Lock(context.Background()); err == nil {
			unlock() // refused otherwise: what is at the path changed under it
		}
	}
	if text, _ := os.ReadFile(target); string(text) != "precious\n" {
		t.Errorf("the link's target was written: %q", text)
	}
}
