<?php

declare(strict_types=1);

namespace Rcsdk;

/**
 * The owner file: the file store's lock that PHP, Python and Node processes all honour (the same
 * protocol as Python's rcsdk/_owner.py and Node's owner.ts; docs/FLEET.md). FileTokenStore takes
 * it in addition to its flock, for Node, which has no flock without a native addon.
 *
 * The lock is `<store>.lock.owner`, made with link() (atomic, fails if it exists) and holding its
 * owner: host, pid, the process's start time (/proc/<pid>/stat, so that a reused pid is not taken
 * for the owner) and a random token. A waiter that finds the owner dead (a holder killed with
 * SIGKILL) breaks the lock, guarded by `<lock>.break` made the same way so that two waiters
 * never both break, and removes the owner file only if it is still the dead owner's (same inode
 * and content). Without /proc an owner is dead when no process has its pid (posix_kill); another
 * host's owner is never found dead.
 */
final class Owner
{
    public readonly string $breaker;
    private ?string $mine = null;

    public function __construct(public readonly string $path)
    {
        $this->breaker = $path . '.break';
    }

    /** Take the lock before `$deadline` (microtime(true)); false if it could not. */
    public function acquire(float $deadline): bool
    {
        $mine = self::record(bin2hex(random_bytes(16)));
        $pause = 0.001;
        while (true) {
            if (self::link($mine, $this->path)) {
                $this->mine = $mine;
                return true;
            }
            $found = self::read($this->path);
            // A dead owner's file is removed and the link tried again; while another waiter is
            // removing it, this one waits like any other (and its deadline still holds).
            if ($found !== null && self::dead($found[0]) && $this->breakDead($found[0], $found[1])) {
                continue;
            }
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                return false;
            }
            usleep((int) (min($pause, $left) * 1e6));
            $pause = min($pause * 2, 0.05);
        }
    }

    public function release(): void
    {
        $mine = $this->mine;
        $this->mine = null;
        $found = self::read($this->path);
        if ($mine !== null && $found !== null && $found[0] === $mine) {
            @unlink($this->path);
        }
    }

    /** Who holds the lock, for a timeout's message. */
    public function holder(): ?string
    {
        $found = self::read($this->path);
        $owner = $found !== null ? json_decode($found[0], true) : null;
        return is_array($owner) && is_int($owner['pid'] ?? null) ? 'process ' . $owner['pid'] : null;
    }

    /** Remove a dead owner's file, one breaker at a time; false while a live breaker is at it. */
    private function breakDead(string $raw, int $inode): bool
    {
        if (!self::link(self::record(bin2hex(random_bytes(16))), $this->breaker)) {
            $found = self::read($this->breaker);
            if ($found === null || !self::dead($found[0])) {
                return false;
            }
            @unlink($this->breaker); // a breaker killed while breaking
            return true;
        }
        try {
            if (self::read($this->path) === [$raw, $inode]) {
                @unlink($this->path);
            }
        } finally {
            @unlink($this->breaker);
        }
        return true;
    }

    /** The start time of process `$pid` (clock ticks since boot), null if gone or unknown. */
    private static function startTime(int $pid): ?string
    {
        $raw = @file_get_contents("/proc/$pid/stat");
        if ($raw === false) {
            return null;
        }
        $fields = explode(' ', substr($raw, (int) strrpos($raw, ')') + 2));
        return $fields[19] ?? null;
    }

    private static function record(string $token): string
    {
        // Keys sorted and spaced as Python's json.dumps(sort_keys=True).
        $pid = (int) getmypid();
        return sprintf(
            '{"host": %s, "pid": %d, "start": %s, "token": "%s"}',
            json_encode((string) gethostname(), JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR),
            $pid,
            json_encode(self::startTime($pid) ?? '', JSON_THROW_ON_ERROR),
            $token,
        );
    }

    /** Whether the owner written in `$raw` is gone (unreadable content counts as gone). */
    private static function dead(string $raw): bool
    {
        $owner = json_decode($raw, true);
        if (!is_array($owner) || !is_int($owner['pid'] ?? null)) {
            return true;
        }
        $start = (string) ($owner['start'] ?? '');
        if (($owner['host'] ?? null) !== gethostname()) {
            return false; // another machine's process: never broken
        }
        if ($start !== '' && self::startTime((int) getmypid()) !== null) {
            return self::startTime($owner['pid']) !== $start;
        }
        // No /proc: whether the pid lives (a reused one is not told apart); no posix: never.
        return function_exists('posix_kill') && !posix_kill($owner['pid'], 0) && posix_get_last_error() === 3;
    }

    /** @return array{string, int}|null the content and inode */
    private static function read(string $path): ?array
    {
        if (is_link($path)) {
            return null;
        }
        $handle = @fopen($path, 'rb');
        if ($handle === false) {
            return null;
        }
        try {
            $content = (string) stream_get_contents($handle, 4096);
            $stat = fstat($handle);
            return [$content, $stat === false ? 0 : (int) $stat['ino']];
        } finally {
            fclose($handle);
        }
    }

    /** Create `$target` holding `$content`, atomically: false if it exists. */
    private static function link(string $content, string $target): bool
    {
        $temporary = $target . '.' . bin2hex(random_bytes(8));
        $handle = @fopen($temporary, 'xb');
        if ($handle === false) {
            throw new TokenStoreError("cannot create the lock file $temporary");
        }
        chmod($temporary, 0600);
        fwrite($handle, $content);
        fclose($handle);
        try {
            return @link($temporary, $target);
        } finally {
            @unlink($temporary);
        }
    }
}
