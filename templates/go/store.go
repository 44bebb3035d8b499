package rcsdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// TokenStore is where a platform keeps its tokens: the auth data (Platform.GetAuthData).
//
// Lock is held around a refresh so that one refresh runs at a time (across goroutines, and
// across processes for FileTokenStore). Under the lock the platform re-reads the store and
// skips the refresh when someone else already rotated the tokens, then writes the new ones
// before letting go. Lock is not re-entrant.
type TokenStore interface {
	// Load returns the saved auth data, or nil when there is none.
	Load() (map[string]any, error)
	// Save replaces the saved auth data (nil forgets it).
	Save(data map[string]any) error
	// Lock takes the store's exclusive lock; unlock gives it back.
	Lock(ctx context.Context) (unlock func(), err error)
}

// AnyGeneration is FencedTokenStore.SaveIf's expected for a write that replaces whatever the
// store holds (a login, a logout, SetAuthData).
const AnyGeneration = "*"

// FencedTokenStore is a TokenStore that numbers its writes (the Redis store of the sub-package
// rcsdk.local/rcsdk/redis). The platform then writes refreshed tokens only over the generation
// they were refreshed from, and orders tokens by generation, never by a clock: a worker paused
// past its lease finds a newer generation and adopts it instead of writing its stale pair. A
// generation is an opaque string; "" means the store holds nothing at all (a lost key, which the
// platform writes again from valid tokens in memory), whereas nil data with a generation means
// logged out.
type FencedTokenStore interface {
	TokenStore
	// LoadGeneration returns the saved auth data and its generation.
	LoadGeneration() (data map[string]any, generation string, err error)
	// SaveIf writes data (nil: logged out) if the store holds generation expected ("": nothing
	// at all; AnyGeneration: anything), and returns whether it wrote, and the data and
	// generation the store holds now (data's when written, what a refused writer adopts).
	SaveIf(data map[string]any, expected string) (written bool, held map[string]any, generation string, err error)
}

// mutex is a lock that a context can give up waiting for.
type mutex chan struct{}

func newMutex() mutex { return make(mutex, 1) }

func (m mutex) lock(ctx context.Context, timeout time.Duration, what string) error {
	select {
	case m <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case m <- struct{}{}:
		return nil
	case <-ctx.Done():
		return newError(ErrTokenStore, "gave up waiting for "+what+": "+ctx.Err().Error(), ctx.Err())
	case <-timer.C:
		return newError(ErrTokenStore, fmt.Sprintf("timed out after %s waiting for %s", timeout, what), nil)
	}
}

func (m mutex) unlock() { <-m }

// MemoryTokenStore keeps the tokens in this process's memory, lost when it exits (the default).
type MemoryTokenStore struct {
	lock mutex
	mu   sync.Mutex
	data []byte
}

// NewMemoryTokenStore is an empty store.
func NewMemoryTokenStore() *MemoryTokenStore {
	return &MemoryTokenStore{lock: newMutex()}
}

// Load returns a copy of the saved auth data.
func (m *MemoryTokenStore) Load() (map[string]any, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		return nil, nil
	}
	return decodeStore(m.data, "the memory token store")
}

// Save keeps a copy of data (nil forgets it).
func (m *MemoryTokenStore) Save(data map[string]any) error {
	var text []byte
	if data != nil {
		var err error
		if text, err = json.Marshal(data); err != nil {
			return newError(ErrTokenStore, "cannot keep the auth data: not JSON", err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = text
	return nil
}

// Lock takes the store's lock (waiting at most DefaultLockTimeout).
func (m *MemoryTokenStore) Lock(ctx context.Context) (func(), error) {
	if err := m.lock.lock(ctx, DefaultLockTimeout, "the memory token store's lock"); err != nil {
		return nil, err
	}
	return m.lock.unlock, nil
}

// FileTokenStore keeps the tokens in a JSON file (mode 0600), shared safely by goroutines and
// processes: the Python, Node and PHP clients' FileTokenStore on the same file (same format,
// same locks).
//
// Writes are atomic (a temporary file in the same folder, fsync, rename), so a crash at any
// moment leaves either the old or the new tokens. Lock takes an exclusive flock on
// <path>.lock, then the owner file <path>.lock.owner (owner.go: the lock Node honours, having no
// flock), and gives up after LockTimeout with an error naming the lock and the process
// holding it. The store trusts nothing on disk: it never follows a symbolic link at the store
// or lock path, refuses a file that is not a regular file, that another user owns or that
// others may write, and a store larger than MaxBytes.
type FileTokenStore struct {
	Path        string
	LockPath    string
	LockTimeout time.Duration
	MaxBytes    int64
	lock        mutex
}

// NewFileTokenStore is a store at path (a relative path is resolved now).
func NewFileTokenStore(path string) (*FileTokenStore, error) {
	if path == "" || strings.Contains(path, "\x00") {
		return nil, newError(ErrTokenStore, fmt.Sprintf("unusable token store path %q", path), nil)
	}
	absolute, err := filepath.Abs(path)
	if err != nil {
		return nil, newError(ErrTokenStore, "cannot resolve the token store path "+path, err)
	}
	return &FileTokenStore{
		Path: absolute, LockPath: absolute + ".lock", LockTimeout: DefaultLockTimeout,
		MaxBytes: MaxStoreBytes, lock: newMutex(),
	}, nil
}

func (f *FileTokenStore) fail(err error, format string, args ...any) error {
	return newError(ErrTokenStore, fmt.Sprintf(format, args...), err)
}

// Load reads the file (nil when there is none).
func (f *FileTokenStore) Load() (map[string]any, error) {
	info, err := os.Lstat(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, f.fail(err, "cannot read token store %s: %v", f.Path, err)
	}
	if err := f.trust(f.Path, info); err != nil {
		return nil, err
	}
	if info.Size() > f.MaxBytes {
		return nil, f.fail(nil, "token store %s holds %d bytes, more than a token store can (%d): not reading it", f.Path, info.Size(), f.MaxBytes)
	}
	file, err := os.OpenFile(f.Path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, f.fail(err, "cannot read token store %s: %v", f.Path, err)
	}
	defer file.Close()
	raw, err := io.ReadAll(io.LimitReader(file, f.MaxBytes+1))
	if err != nil {
		return nil, f.fail(err, "cannot read token store %s: %v", f.Path, err)
	}
	if int64(len(raw)) > f.MaxBytes {
		return nil, f.fail(nil, "token store %s grew past %d bytes", f.Path, f.MaxBytes)
	}
	return decodeStore(raw, "token store "+f.Path)
}

func decodeStore(raw []byte, what string) (map[string]any, error) {
	if !utf8.Valid(raw) {
		return nil, newError(ErrAuthData, what+" is not UTF-8 text", nil)
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var data any
	if err := decoder.Decode(&data); err != nil {
		return nil, newError(ErrAuthData, what+" is not JSON", err)
	}
	if data == nil {
		return nil, nil
	}
	object, ok := data.(map[string]any)
	if !ok {
		return nil, newError(ErrAuthData, what+" does not hold a JSON object", nil)
	}
	return object, nil
}

func (f *FileTokenStore) trust(path string, info os.FileInfo) error {
	mode := info.Mode()
	if mode&os.ModeSymlink != 0 {
		return f.fail(nil, "%s is a symbolic link: rcsdk does not follow links at its token store", path)
	}
	if mode&os.ModeNamedPipe != 0 {
		// Never opened: opening a named pipe to read blocks until someone writes to it.
		return f.fail(nil, "%s is a named pipe, not a token store file", path)
	}
	if !mode.IsRegular() {
		return f.fail(nil, "%s is not a regular file (%s)", path, mode.Type())
	}
	if stat, ok := info.Sys().(*syscall.Stat_t); ok && int(stat.Uid) != os.Geteuid() {
		return f.fail(nil, "%s belongs to another user (uid %d): not trusting it", path, stat.Uid)
	}
	if mode.Perm()&0o022 != 0 {
		return f.fail(nil, "%s may be written by other users (mode %04o): not trusting it; run chmod 600 %s", path, mode.Perm(), path)
	}
	return nil
}

// Save writes data atomically (nil removes the file).
func (f *FileTokenStore) Save(data map[string]any) error {
	if err := f.refuseLink(f.Path); err != nil {
		return err
	}
	if data == nil {
		if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return f.fail(err, "cannot write token store %s: %v", f.Path, err)
		}
		return nil
	}
	text, err := json.MarshalIndent(data, "", "  ") // keys sorted, as the other languages write them
	if err != nil {
		return f.fail(err, "cannot write token store %s: the auth data is not JSON", f.Path)
	}
	folder, err := f.folder()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(folder, "."+filepath.Base(f.Path)+".")
	if err != nil {
		return f.fail(err, "cannot write token store %s: %v", f.Path, err)
	}
	defer os.Remove(tmp.Name()) // gone already once renamed
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(text)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		// rename replaces whatever is at the path (even a link planted since the check above)
		// and never writes through it.
		err = os.Rename(tmp.Name(), f.Path)
	}
	if err != nil {
		return f.fail(err, "cannot write token store %s: %v", f.Path, err)
	}
	return nil
}

func (f *FileTokenStore) folder() (string, error) {
	folder := filepath.Dir(f.Path)
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return "", f.fail(err, "cannot create the token store's folder %s: %v", folder, err)
	}
	return folder, nil
}

func (f *FileTokenStore) refuseLink(path string) error {
	info, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	if info.Mode()&os.ModeSymlink != 0 {
		return f.fail(nil, "%s is a symbolic link: rcsdk does not follow links at its token store", path)
	}
	if info.IsDir() {
		return f.fail(nil, "%s is a directory, not a token store file", path)
	}
	return nil
}

// Lock takes the in-process lock, then an exclusive flock on LockPath, waiting at most
// LockTimeout (or until ctx ends).
func (f *FileTokenStore) Lock(ctx context.Context) (func(), error) {
	deadline := time.Now().Add(f.LockTimeout)
	if err := f.lock.lock(ctx, f.LockTimeout, "the token store lock "+f.LockPath); err != nil {
		return nil, err
	}
	file, err := f.openLock()
	if err == nil {
		err = f.flock(ctx, file, deadline)
		if err != nil {
			file.Close()
		}
	}
	if err != nil {
		f.lock.unlock()
		return nil, err
	}
	_ = file.Truncate(0)
	_, _ = file.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	release := func() {
		_ = syscall.Flock(int(file.Fd()), syscall.LOCK_UN)
		file.Close()
		f.lock.unlock()
	}
	// Node honours the owner file, not flock: take it too.
	owner := newOwnerFile(f.LockPath + ".owner")
	taken, err := owner.acquire(ctx, deadline)
	if err != nil || !taken {
		release()
		if err != nil {
			return nil, f.fail(err, "cannot lock token store %s: %v", owner.path, err)
		}
		return nil, f.fail(nil, "timed out after %s waiting for the token store lock %s (held by %s)", f.LockTimeout, owner.path, owner.holder())
	}
	return func() {
		owner.release()
		release()
	}, nil
}

func (f *FileTokenStore) openLock() (*os.File, error) {
	if _, err := f.folder(); err != nil {
		return nil, err
	}
	if err := f.refuseLink(f.LockPath); err != nil {
		return nil, err
	}
	file, err := os.OpenFile(f.LockPath, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, f.fail(err, "cannot open the lock of token store %s: %v", f.LockPath, err)
	}
	info, err := file.Stat()
	if err != nil || !info.Mode().IsRegular() {
		file.Close()
		return nil, f.fail(err, "lock file %s is not a regular file", f.LockPath)
	}
	if stat, ok := info.Sys().(*syscall.Stat_t); ok && stat.Nlink > 1 {
		// Another name for the same file (a hard link planted at the lock path): writing the
		// process id would write through it, into a file rcsdk does not own.
		file.Close()
		return nil, f.fail(nil, "lock file %s is a hard link (%d names): rcsdk does not write through it", f.LockPath, stat.Nlink)
	}
	return file, nil
}

func (f *FileTokenStore) flock(ctx context.Context, file *os.File, deadline time.Time) error {
	pause := time.Millisecond
	for {
		err := syscall.Flock(int(file.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return f.fail(err, "cannot lock token store %s: %v", f.LockPath, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			holder := "another process"
			buffer := make([]byte, 32)
			if n, _ := file.ReadAt(buffer, 0); n > 0 {
				if pid := strings.TrimSpace(string(buffer[:n])); pid != "" && strings.Trim(pid, "0123456789") == "" {
					holder = "process " + pid
				}
			}
			return f.fail(nil, "timed out after %s waiting for the token store lock %s (held by %s)", f.LockTimeout, f.LockPath, holder)
		}
		if err := sleep(ctx, min(pause, left)); err != nil {
			return f.fail(err, "gave up waiting for the token store lock %s: %v", f.LockPath, err)
		}
		pause = min(pause*2, 50*time.Millisecond)
	}
}

// String names the file.
func (f *FileTokenStore) String() string { return "FileTokenStore(" + f.Path + ")" }
