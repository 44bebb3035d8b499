package rcsdk

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ownerFile is <store>.lock.owner: the file store's lock that Python, Node, PHP and Go processes
// all honour. Node has no flock without a native addon, so a lock every language can take is a
// file made with link() (atomic, fails if it exists) holding its owner: host, pid, the process's
// start time (/proc/<pid>/stat, so that a reused pid is not mistaken for the owner) and a random
// token. FileTokenStore takes it after its flock; the protocol is the one of
// templates/rcsdk/_owner.py, templates/js/src/owner.ts and templates/php/src/Owner.php.
//
// A holder killed with SIGKILL leaves its file behind: a waiter that finds the owner dead (same
// host, and no process with that pid and start time) breaks the lock. Breaking is itself guarded
// by a second file made the same way (<lock>.break), so that two waiters never both break, and
// the one that breaks removes the owner file only if it is still the dead owner's (same inode and
// content). Another host's owner is never found dead.
type ownerFile struct {
	path    string
	breaker string
	mine    []byte
}

func newOwnerFile(path string) *ownerFile {
	return &ownerFile{path: path, breaker: path + ".break"}
}

// startTime is the start time of process pid (clock ticks since boot), "" if it is gone or
// unknown. The process name in /proc/<pid>/stat may hold spaces and parentheses: the fields are
// counted after its last ')'.
func startTime(pid int) string {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	end := bytes.LastIndexByte(raw, ')')
	if end < 0 || end+2 > len(raw) {
		return ""
	}
	fields := strings.Fields(string(raw[end+2:]))
	if len(fields) <= 19 {
		return ""
	}
	return fields[19]
}

func hostName() string {
	host, _ := os.Hostname()
	return host
}

func ownerRecord() []byte {
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	pid := os.Getpid()
	record, _ := json.Marshal(struct {
		Host  string `json:"host"`
		PID   int    `json:"pid"`
		Start string `json:"start"`
		Token string `json:"token"`
	}{hostName(), pid, startTime(pid), hex.EncodeToString(token)})
	return record
}

// ownerDead says whether the owner written in raw is gone (unreadable content counts as gone).
func ownerDead(raw []byte) bool {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var owner map[string]any
	if decoder.Decode(&owner) != nil {
		return true
	}
	host, hasHost := owner["host"]
	start, hasStart := owner["start"]
	pid, err := strconv.Atoi(fmt.Sprint(owner["pid"]))
	if !hasHost || !hasStart || err != nil {
		return true
	}
	if fmt.Sprint(host) != hostName() {
		return false // another machine's process: never broken
	}
	if started := fmt.Sprint(start); started != "" {
		if _, err := os.Stat("/proc/self/stat"); err == nil {
			return startTime(pid) != started
		}
	}
	// No /proc: whether the pid lives, without telling a reused one apart.
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// readOwner is the content and inode of path (found false when there is none).
func readOwner(path string) (raw []byte, inode uint64, found bool, err error) {
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	defer file.Close()
	raw, err = io.ReadAll(io.LimitReader(file, 4096))
	if err != nil {
		return nil, 0, false, err
	}
	info, err := file.Stat()
	if err != nil {
		return nil, 0, false, err
	}
	if stat, ok := info.Sys().(*syscall.Stat_t); ok {
		inode = stat.Ino
	}
	return raw, inode, true, nil
}

// linkNew creates target holding record, atomically: false if it exists.
func linkNew(record []byte, target string) (bool, error) {
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	temporary := target + "." + hex.EncodeToString(suffix)
	file, err := os.OpenFile(temporary, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return false, err
	}
	defer os.Remove(temporary)
	_, err = file.Write(record)
	if closeErr := file.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return false, err
	}
	if err := os.Link(temporary, target); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// acquire takes the lock before deadline; false if it could not.
func (o *ownerFile) acquire(ctx context.Context, deadline time.Time) (bool, error) {
	record := ownerRecord()
	pause := time.Millisecond
	for {
		taken, err := linkNew(record, o.path)
		if err != nil {
			return false, err
		}
		if taken {
			o.mine = record
			return true, nil
		}
		raw, inode, found, err := readOwner(o.path)
		if err != nil {
			return false, err
		}
		// A dead owner's file is removed and the link tried again; while another waiter is
		// removing it, this one waits like any other (and its deadline still holds).
		if found && ownerDead(raw) {
			broken, err := o.breakDead(raw, inode)
			if err != nil {
				return false, err
			}
			if broken {
				continue
			}
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false, nil
		}
		if err := sleep(ctx, min(pause, left)); err != nil {
			return false, err
		}
		pause = min(pause*2, 50*time.Millisecond)
	}
}

// breakDead removes a dead owner's file, one breaker at a time (false: a live breaker is at it).
func (o *ownerFile) breakDead(raw []byte, inode uint64) (bool, error) {
	taken, err := linkNew(ownerRecord(), o.breaker)
	if err != nil {
		return false, err
	}
	if !taken {
		other, _, found, err := readOwner(o.breaker)
		if err != nil || !found || !ownerDead(other) {
			return false, err
		}
		_ = os.Remove(o.breaker) // a breaker killed while breaking
		return true, nil
	}
	defer os.Remove(o.breaker)
	now, nowInode, found, err := readOwner(o.path)
	if err == nil && found && nowInode == inode && bytes.Equal(now, raw) {
		err = os.Remove(o.path)
	}
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	return true, err
}

// release removes the owner file if it is still this holder's.
func (o *ownerFile) release() {
	mine := o.mine
	o.mine = nil
	raw, _, found, err := readOwner(o.path)
	if mine != nil && err == nil && found && bytes.Equal(raw, mine) {
		_ = os.Remove(o.path)
	}
}

// holder is who holds the lock, for a timeout's message.
func (o *ownerFile) holder() string {
	raw, _, found, err := readOwner(o.path)
	if err != nil || !found {
		return "another process"
	}
	var owner struct {
		PID json.Number `json:"pid"`
	}
	if json.Unmarshal(raw, &owner) != nil {
		return "another process"
	}
	if pid, err := owner.PID.Int64(); err == nil {
		return "process " + strconv.FormatInt(pid, 10)
	}
	return "another process"
}
