<?php
// Copied verbatim from templates/php/src/FileTokenStore.php by rcsdk's generator.
// Do not edit: change templates/php/src/FileTokenStore.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * Tokens in a JSON file (mode 0600), shared safely by processes: PHP-FPM workers, CLI jobs, and
 * the Python client's FileTokenStore on the same file (same format, same lock).
 *
 * Writes are atomic (a temporary file in the same folder, fsync, rename), so a crash at any
 * moment leaves either the old or the new tokens. synchronized() takes an exclusive flock() on
 * `<path>.lock` (the lock the Python client takes) and gives up after `$lockTimeout` seconds
 * with a TokenStoreError naming that file and the process holding it. The store trusts nothing
 * on disk: it never follows a symbolic link at the store or lock path, refuses a file that is
 * not a regular file, that another user owns or that others may write, and a store larger than
 * `$maxBytes`. A relative path is resolved when the store is made.
 */
final class FileTokenStore implements TokenStore
{
    public const DEFAULT_LOCK_TIMEOUT = Constants::DEFAULT_LOCK_TIMEOUT;
    public const MAX_STORE_BYTES = Constants::MAX_STORE_BYTES;

    public readonly string $path;
    public readonly string $lockPath;
    /** @var resource|null */
    private $held = null;
    private int $depth = 0;
    private int $pid = 0;

    public function __construct(
        string $path,
        public readonly float $lockTimeout = self::DEFAULT_LOCK_TIMEOUT,
        public readonly int $maxBytes = self::MAX_STORE_BYTES,
    ) {
        if ($path === '' || str_contains($path, "\0")) {
            throw new TokenStoreError('unusable token store path ' . var_export($path, true));
        }
        if (!($lockTimeout > 0) || is_infinite($lockTimeout)) {
            throw new TokenStoreError("lockTimeout must be a positive number of seconds, not {$lockTimeout}");
        }
        if ($maxBytes < 1) {
            throw new TokenStoreError("maxBytes must be a positive integer, not {$maxBytes}");
        }
        if (!str_starts_with($path, '/')) {
            $cwd = getcwd();
            if ($cwd === false) {
                throw new TokenStoreError("cannot resolve the relative token store path {$path}");
            }
            $path = rtrim($cwd, '/') . '/' . $path;
        }
        $this->path = $path;
        $this->lockPath = $path . '.lock';
    }

    // --- reading ----------------------------------------------------------------------------

    public function load(): ?array
    {
        clearstatcache(true, $this->path);
        $info = @lstat($this->path);
        if ($info === false) {
            return null;
        }
        $this->trust($this->path, $info);
        if ($info['size'] > $this->maxBytes) {
            throw new TokenStoreError(
                "token store {$this->path} holds {$info['size']} bytes, more than a token store can ({$this->maxBytes}): not reading it"
            );
        }
        // Opened non-blocking ('n': O_NONBLOCK; the open of a named pipe swapped in since the
        // lstat would otherwise wait for a writer), and the file opened must be the one looked at.
        $handle = @fopen($this->path, 'rn');
        if ($handle === false) {
            throw new TokenStoreError("cannot read token store {$this->path}: " . self::lastError());
        }
        try {
            $opened = fstat($handle);
            if ($opened === false || $opened['ino'] !== $info['ino'] || $opened['dev'] !== $info['dev']) {
                throw new TokenStoreError("token store {$this->path} was replaced while being read: refused");
            }
            $raw = @stream_get_contents($handle, $this->maxBytes + 1);
        } finally {
            fclose($handle);
        }
        if ($raw === false) {
            throw new TokenStoreError("cannot read token store {$this->path}: " . self::lastError());
        }
        if (strlen($raw) > $this->maxBytes) {
            throw new TokenStoreError("token store {$this->path} grew past {$this->maxBytes} bytes");
        }
        if (!mb_check_encoding($raw, 'UTF-8')) {
            throw new AuthDataError("token store {$this->path} is not UTF-8 text");
        }
        try {
            $data = json_decode($raw, true, 64, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        } catch (\JsonException $error) {
            $why = $error->getCode() === JSON_ERROR_DEPTH ? 'is nested too deeply' : 'is not JSON';
            throw new AuthDataError("token store {$this->path} {$why}");
        }
        if ($data === null) {
            return null;
        }
        if (!Read::isMap($data)) {
            throw new AuthDataError("token store {$this->path} does not hold a JSON object");
        }
        return Read::map($data);
    }

    /** @param array<int|string, int> $info */
    private function trust(string $path, array $info): void
    {
        $mode = $info['mode'];
        $type = $mode & 0170000;
        if ($type === 0120000) {
            throw new TokenStoreError("{$path} is a symbolic link: rcsdk does not follow links at its token store");
        }
        if ($type !== 0100000) {
            throw new TokenStoreError("{$path} is not a regular file (" . self::kind($type) . ')');
        }
        if (function_exists('posix_geteuid') && $info['uid'] !== posix_geteuid()) {
            throw new TokenStoreError("{$path} belongs to another user (uid {$info['uid']}): not trusting it");
        }
        if (($mode & 0022) !== 0) {
            throw new TokenStoreError(sprintf(
                '%s may be written by other users (mode %04o): not trusting it; run chmod 600 %s',
                $path,
                $mode & 07777,
                $path,
            ));
        }
    }

    // --- writing ----------------------------------------------------------------------------

    public function save(?array $data): void
    {
        $this->refuseLink($this->path);
        if ($data === null) {
            if (file_exists($this->path) && !@unlink($this->path)) {
                throw new TokenStoreError("cannot write token store {$this->path}: " . self::lastError());
            }
            return;
        }
        $text = json_encode(self::sorted($data), JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION);
        if ($text === false) {
            throw new TokenStoreError("cannot write token store {$this->path}: the auth data is not JSON");
        }
        $folder = $this->folder();
        $tmp = @tempnam($folder, '.' . basename($this->path) . '.');
        if ($tmp === false || dirname($tmp) !== $folder) {
            if (is_string($tmp)) {
                @unlink($tmp);
            }
            throw new TokenStoreError("cannot write token store {$this->path}: " . self::lastError('cannot create a file'));
        }
        try {
            @chmod($tmp, 0600);
            $handle = @fopen($tmp, 'w');
            if ($handle === false) {
                throw new TokenStoreError("cannot write token store {$this->path}: " . self::lastError());
            }
            try {
                $written = @fwrite($handle, $text);
                if ($written !== strlen($text) || !@fflush($handle) || !@fsync($handle)) {
                    throw new TokenStoreError("cannot write token store {$this->path}: " . self::lastError('short write'));
                }
            } finally {
                fclose($handle);
            }
            // rename() replaces whatever is at the path (even a link planted since the check
            // above) and never writes through it.
            if (!@rename($tmp, $this->path)) {
                throw new TokenStoreError("cannot write token store {$this->path}: " . self::lastError());
            }
        } catch (\Throwable $error) {
            @unlink($tmp);
            throw $error;
        }
    }

    private function folder(): string
    {
        $folder = dirname($this->path);
        if (!is_dir($folder) && !@mkdir($folder, 0700, true) && !is_dir($folder)) {
            throw new TokenStoreError("cannot create the token store's folder {$folder}: " . self::lastError());
        }
        return $folder;
    }

    private function refuseLink(string $path): void
    {
        clearstatcache(true, $path);
        if (is_link($path)) {
            throw new TokenStoreError("{$path} is a symbolic link: rcsdk does not follow links at its token store");
        }
        if (is_dir($path)) {
            throw new TokenStoreError("{$path} is a directory, not a token store file");
        }
    }

    /**
     * @param array<int|string, mixed> $data
     * @return array<int|string, mixed>
     */
    private static function sorted(array $data): array
    {
        if (!array_is_list($data)) {
            ksort($data, SORT_STRING);
        }
        foreach ($data as $key => $value) {
            if (is_array($value)) {
                $data[$key] = self::sorted($value);
            }
        }
        return $data;
    }

    // --- locking ----------------------------------------------------------------------------

    public function synchronized(callable $fn): mixed
    {
        if ($this->pid !== getmypid()) {
            // A forked child: the parent's flock is not ours.
            $this->held = null;
            $this->depth = 0;
            $this->pid = (int) getmypid();
        }
        if ($this->depth > 0) {
            $this->depth++;
            try {
                return $fn();
            } finally {
                $this->depth--;
            }
        }
        $handle = $this->openLock();
        try {
            $this->flock($handle);
            $this->trustLock($handle);
            $this->held = $handle;
            $this->depth = 1;
            @ftruncate($handle, 0);
            @fwrite($handle, getmypid() . "\n");
            @fflush($handle);
            // Node honours the owner file, not flock: take it too (Owner).
            $owner = new Owner($this->lockPath . '.owner');
            try {
                if (!$owner->acquire(microtime(true) + $this->lockTimeout)) {
                    $holder = $owner->holder() ?? 'another process';
                    throw new TokenStoreError("timed out after {$this->lockTimeout} s waiting for the token store lock {$owner->path} (held by {$holder})");
                }
                try {
                    return $fn();
                } finally {
                    $owner->release();
                }
            } finally {
                $this->depth = 0;
                $this->held = null;
                flock($handle, LOCK_UN);
            }
        } finally {
            fclose($handle);
        }
    }

    /**
     * The lock file, opened so that a link swapped in at its path is never written through.
     *
     * PHP's fopen() resolves symbolic links itself (even with 'x'), so a missing lock file is
     * made as a temporary file, locked, and given its name by link(), which fails on anything at
     * the path; an existing one is opened without creating or truncating ('r+'), and refused
     * unless the file opened is the file at the path. Whether it has one name (a hard link would
     * send the pid written into it to another file) is checked by trustLock() once locked, when
     * a new lock file's temporary name is gone.
     *
     * @return resource
     */
    private function openLock()
    {
        $folder = $this->folder();
        for ($attempt = 0; $attempt < 3; $attempt++) {
            $this->refuseLink($this->lockPath);
            clearstatcache(true, $this->lockPath);
            if (@lstat($this->lockPath) === false) {
                $created = $this->createLock($folder);
                if ($created !== null) {
                    return $created;
                }
                continue; // another process made it meanwhile: open theirs
            }
            $handle = @fopen($this->lockPath, 'rn+');
            if ($handle === false) {
                continue; // gone meanwhile
            }
            $opened = fstat($handle);
            clearstatcache(true, $this->lockPath);
            $there = @lstat($this->lockPath);
            if ($opened === false || ($opened['mode'] & 0170000) !== 0100000) {
                fclose($handle);
                throw new TokenStoreError("lock file {$this->lockPath} is not a regular file");
            }
            if ($there === false || ($there['mode'] & 0170000) === 0120000 || $there['ino'] !== $opened['ino'] || $there['dev'] !== $opened['dev']) {
                fclose($handle);
                throw new TokenStoreError("lock file {$this->lockPath} was replaced while being opened (a symbolic link?): not writing to it");
            }
            return $handle;
        }
        throw new TokenStoreError("cannot open the lock token store {$this->lockPath}: it keeps changing");
    }

    /**
     * A new lock file, locked before it has its name (null: something is at the path now).
     *
     * @return resource|null
     */
    private function createLock(string $folder)
    {
        $tmp = @tempnam($folder, '.' . basename($this->lockPath) . '.');
        if ($tmp === false || dirname($tmp) !== $folder) {
            if (is_string($tmp)) {
                @unlink($tmp);
            }
            throw new TokenStoreError("cannot open the lock token store {$this->lockPath}: " . self::lastError('cannot create a file'));
        }
        try {
            @chmod($tmp, 0600);
            $handle = @fopen($tmp, 'rn+');
            if ($handle === false) {
                throw new TokenStoreError("cannot open the lock token store {$this->lockPath}: " . self::lastError());
            }
            // Locked before it is named, so that nobody takes it while it still has two names.
            flock($handle, LOCK_EX | LOCK_NB);
            if (!@link($tmp, $this->lockPath)) {
                fclose($handle);
                return null;
            }
            return $handle;
        } finally {
            @unlink($tmp);
        }
    }

    /**
     * Refuse a lock file that writing the holder's pid into would harm (checked once locked).
     *
     * @param resource $handle
     */
    private function trustLock($handle): void
    {
        $info = fstat($handle);
        if ($info === false || $info['nlink'] !== 1) {
            $names = $info === false ? '?' : $info['nlink'];
            throw new TokenStoreError("lock file {$this->lockPath} has {$names} names (a hard link): not writing to it");
        }
        if (function_exists('posix_geteuid') && $info['uid'] !== posix_geteuid()) {
            throw new TokenStoreError("lock file {$this->lockPath} belongs to another user (uid {$info['uid']}): not writing to it");
        }
    }

    /** @param resource $handle */
    private function flock($handle): void
    {
        $deadline = microtime(true) + $this->lockTimeout;
        $pause = 0.001;
        while (true) {
            $wouldBlock = 0;
            if (flock($handle, LOCK_EX | LOCK_NB, $wouldBlock)) {
                return;
            }
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                $holder = 'another process';
                $pid = trim((string) @stream_get_contents($handle, 32, 0));
                if (ctype_digit($pid)) {
                    $holder = "process {$pid}";
                }
                throw new TokenStoreError(sprintf(
                    'timed out after %g s waiting for the token store lock %s (held by %s)',
                    $this->lockTimeout,
                    $this->lockPath,
                    $holder,
                ));
            }
            usleep((int) (min($pause, $left) * 1e6));
            $pause = min($pause * 2, 0.05);
        }
    }

    private static function lastError(string $fallback = 'unknown error'): string
    {
        $error = error_get_last();
        error_clear_last();
        if ($error === null) {
            return $fallback;
        }
        $message = $error['message'];
        $colon = strrpos($message, ': ');
        return $colon === false ? $message : substr($message, $colon + 2);
    }

    private static function kind(int $type): string
    {
        return match ($type) {
            0040000 => 'a directory',
            0010000 => 'a named pipe',
            0140000 => 'a socket',
            0020000, 0060000 => 'a device',
            default => 'not a file',
        };
    }

    public function __toString(): string
    {
        return "FileTokenStore({$this->path})";
    }
}
