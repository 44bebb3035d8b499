<?php

declare(strict_types=1);

// The file token store: the Python FileTokenStore's format and lock, atomic 0600 writes, no
// links followed, files others may write refused, a size cap, lock timeouts naming the holder,
// and tokens never dropped when the store fails a write (issues #15 and #16).

namespace Rcsdk\Tests;

use PHPUnit\Framework\TestCase;
use Rcsdk\AuthDataError;
use Rcsdk\FileTokenStore;
use Rcsdk\TokenStore;
use Rcsdk\TokenStoreError;

/** A FileTokenStore whose writes fail while `failing` is set (a full disk, say). */
final class FlakyStore implements TokenStore
{
    public bool $failing = false;

    /** What a failing save throws (a store of the application's own may throw anything). */
    public ?\Closure $error = null;

    public function __construct(public readonly FileTokenStore $inner)
    {
    }

    public function load(): ?array
    {
        return $this->inner->load();
    }

    public function save(?array $data): void
    {
        if ($this->failing) {
            throw $this->error !== null ? ($this->error)() : new TokenStoreError("cannot write token store {$this->inner->path}: No space left on device");
        }
        $this->inner->save($data);
    }

    public function synchronized(callable $fn): mixed
    {
        return $this->inner->synchronized($fn);
    }
}

final class StoreTest extends TestCase
{
    private string $dir;

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/rcsdk-php-store-' . bin2hex(random_bytes(6));
        mkdir($this->dir, 0700);
    }

    protected function tearDown(): void
    {
        exec('rm -rf ' . escapeshellarg($this->dir));
    }

    public function testWritesAre0600JsonAndReadBack(): void
    {
        $store = new FileTokenStore($this->dir . '/sub/tokens.json');
        $store->save(['version' => 1, 'b' => 2.5, 'a' => ['x' => 'y']]);
        $this->assertSame(0600, fileperms($store->path) & 0777);
        $this->assertSame(0700, fileperms(dirname($store->path)) & 0777);
        $this->assertSame(['a' => ['x' => 'y'], 'b' => 2.5, 'version' => 1], $store->load());
        $this->assertSame([], glob($this->dir . '/sub/.tokens.json.*'), 'a temporary file was left');
        $store->save(null);
        $this->assertNull($store->load());
    }

    public function testARelativePathIsResolvedAtConstruction(): void
    {
        $before = getcwd();
        chdir($this->dir);
        try {
            $store = new FileTokenStore('tokens.json');
        } finally {
            chdir((string) $before);
        }
        $this->assertSame($this->dir . '/tokens.json', $store->path);
    }

    public function testLinksAreNeverFollowed(): void
    {
        $target = $this->dir . '/elsewhere.json';
        file_put_contents($target, '{}');
        symlink($target, $this->dir . '/tokens.json');
        $store = new FileTokenStore($this->dir . '/tokens.json');
        foreach (['load' => fn () => $store->load(), 'save' => fn () => $store->save(['version' => 1])] as $what => $action) {
            try {
                $action();
                $this->fail("{$what} followed a link");
            } catch (TokenStoreError $error) {
                $this->assertStringContainsString('symbolic link', $error->getMessage());
            }
        }
        $this->assertSame('{}', file_get_contents($target));
        $lockStore = new FileTokenStore($this->dir . '/other.json');
        symlink($target, $lockStore->lockPath);
        $this->expectException(TokenStoreError::class);
        $this->expectExceptionMessage('symbolic link');
        $lockStore->synchronized(static fn () => null);
    }

    public function testFilesOthersMayWriteAndOversizedStoresAreRefused(): void
    {
        $store = new FileTokenStore($this->dir . '/tokens.json', maxBytes: 64);
        file_put_contents($store->path, '{"version": 1}');
        chmod($store->path, 0666);
        try {
            $store->load();
            $this->fail('a world-writable store was read');
        } catch (TokenStoreError $error) {
            $this->assertStringContainsString('may be written by other users', $error->getMessage());
        }
        chmod($store->path, 0600);
        file_put_contents($store->path, str_repeat(' ', 100) . '{}');
        $this->expectException(TokenStoreError::class);
        $this->expectExceptionMessage('more than a token store can');
        $store->load();
    }

    /** @return array<string, array{string, string}> */
    public static function corrupt(): array
    {
        return [
            'not JSON' => ['{"version": 1', 'is not JSON'],
            'not UTF-8' => ["{\"a\": \"\xff\"}", 'not UTF-8'],
            'nested too deeply' => [str_repeat('[', 200) . str_repeat(']', 200), 'nested too deeply'],
            'a list' => ['[1, 2]', 'does not hold a JSON object'],
        ];
    }

    /** @dataProvider corrupt */
    public function testCorruptStoresAreTypedErrors(string $content, string $named): void
    {
        $store = new FileTokenStore($this->dir . '/tokens.json');
        file_put_contents($store->path, $content);
        chmod($store->path, 0600);
        $this->expectException(AuthDataError::class);
        $this->expectExceptionMessage($named);
        $store->load();
    }

    public function testALockTimeoutNamesTheLockFileAndItsHolder(): void
    {
        $store = new FileTokenStore($this->dir . '/tokens.json', lockTimeout: 0.2);
        $holder = new Child([PHP_BINARY, '-r', '
            require getenv("RCSDK_PHP_AUTOLOAD") ?: "' . ROOT . '/build/php/vendor/autoload.php";
            (new Rcsdk\FileTokenStore($argv[1]))->synchronized(function () { echo "held\n"; fgets(STDIN); });
        ', $store->path]);
        $holder->waitFor('/^held$/');
        try {
            $store->synchronized(static fn () => null);
            $this->fail('the lock was taken twice');
        } catch (TokenStoreError $error) {
            $this->assertStringContainsString($store->lockPath, $error->getMessage());
            $this->assertMatchesRegularExpression('/held by process \d+/', $error->getMessage());
        } finally {
            fwrite($holder->pipes[0], "done\n");
            $holder->stop();
        }
        $this->assertSame('ok', $store->synchronized(static fn () => 'ok'));
    }

    public function testAFailedWriteNeverDropsTokens(): void
    {
        $store = new FlakyStore(new FileTokenStore($this->dir . '/tokens.json'));
        $platform = platform(Local::url(), store: $store);
        $reported = [];
        $platform->on(\Rcsdk\Event::STORE_ERROR, function (TokenStoreError $error) use (&$reported): void {
            $reported[] = $error->getMessage();
        });
        $platform->loginJwt(Local::env()['RC_JWT']);
        $store->failing = true;
        $platform->refresh(); // no call fails for it
        $this->assertCount(1, $reported);
        $this->assertStringContainsString('No space left', $reported[0]);
        $kept = $platform->getAuthData()['token']['refresh_token'];
        $this->assertNotSame($kept, $store->inner->load()['token']['refresh_token'], 'the store took the write');
        $this->assertTrue($platform->isAuthorized());
        $this->assertSame('101', $platform->readExtension()->extensionNumber);
        Local::control('expire-tokens');
        $this->assertSame('101', $platform->readExtension()->extensionNumber, 'an automatic refresh failed');
        $this->assertCount(1, $reported, 'reported once per run of failures');
        $store->failing = false;
        $platform->readExtension();
        $this->assertEquals($platform->getAuthData(), $store->inner->load(), 'the kept tokens were not written later');
        // A new process-alike takes the session from the store.
        $other = platform(Local::url(), store: new FileTokenStore($store->inner->path));
        $this->assertSame('101', $other->readExtension()->extensionNumber);
    }

    public function testKeptTokensDoNotOverwriteNewerOnesInTheStore(): void
    {
        $path = $this->dir . '/tokens.json';
        $store = new FlakyStore(new FileTokenStore($path));
        $platform = platform(Local::url(), store: $store);
        $platform->loginJwt(Local::env()['RC_JWT']);
        $store->failing = true;
        $platform->refresh();
        // Meanwhile another process logs in afresh and writes its tokens.
        $other = platform(Local::url(), store: new FileTokenStore($path));
        $other->loginJwt(Local::env()['RC_JWT']);
        $newer = (new FileTokenStore($path))->load();
        $store->failing = false;
        $platform->readExtension();
        $this->assertEquals($newer, (new FileTokenStore($path))->load(), 'newer tokens were overwritten');
        $this->assertEquals($newer, $platform->getAuthData());
    }

    public function testOlderTokensWrittenMeanwhileGiveWayToALaterRotation(): void
    {
        // The store comes back and another process, first to write, wrote tokens of an earlier
        // rotation (it got them as a grace-period reuse): ours, issued later, replace them.
        $path = $this->dir . '/tokens.json';
        $store = new FlakyStore(new FileTokenStore($path));
        $clock = new FakeClock(microtime(true));
        $platform = platform(Local::url(), store: $store, clock: $clock->clock());
        $platform->loginJwt(Local::env()['RC_JWT']);
        $store->failing = true;
        $platform->refresh();
        $earlier = $platform->getAuthData();
        $clock->now += 60; // the next rotation is issued later, as it is for real
        $platform->refresh();
        $ours = $platform->getAuthData();
        $this->assertNotSame($earlier['token']['refresh_token'], $ours['token']['refresh_token']);
        (new FileTokenStore($path))->save($earlier);
        $store->failing = false;
        $this->assertSame('101', $platform->readExtension()->extensionNumber);
        $this->assertEquals($ours, $platform->getAuthData(), 'the later rotation was dropped');
        $this->assertEquals($ours, (new FileTokenStore($path))->load(), 'the older tokens stayed in the store');
    }

    public function testAStoreThatBecomesUnreadableStopsNoCallAndNoRefresh(): void
    {
        // A directory takes the file's place: calls go on with the tokens in memory, a refresh
        // uses them, and they are written once the store can be used again.
        $path = $this->dir . '/tokens.json';
        $platform = platform(Local::url(), store: new FileTokenStore($path));
        $reported = [];
        $refreshes = 0;
        $platform->on(\Rcsdk\Event::STORE_ERROR, function (TokenStoreError $error) use (&$reported): void {
            $reported[] = $error->getMessage();
        });
        $platform->on(\Rcsdk\Event::REFRESH_SUCCESS, function () use (&$refreshes): void {
            $refreshes++;
        });
        $platform->loginJwt(Local::env()['RC_JWT']);
        unlink($path);
        mkdir($path);
        $this->assertSame('101', $platform->readExtension()->extensionNumber);
        $platform->refresh();
        $this->assertSame('101', $platform->readExtension()->extensionNumber);
        $this->assertSame(1, $refreshes);
        $this->assertCount(1, $reported, 'one report for one run of failures');
        rmdir($path);
        $this->assertSame('101', $platform->readExtension()->extensionNumber);
        $this->assertEquals($platform->getAuthData(), (new FileTokenStore($path))->load(), 'the kept tokens were not written');
    }

    /** @return array<string, array{\Closure(): \Throwable, string}> */
    public static function throwables(): array
    {
        return [
            'an exception' => [static fn (): \Throwable => new \RuntimeException("the application's own store is down"), 'RuntimeException'],
            'an error' => [static fn (): \Throwable => new \TypeError('a store of the wrong shape'), 'TypeError'],
        ];
    }

    /** @dataProvider throwables */
    public function testAStoreThatThrowsAnythingLosesNoToken(\Closure $error, string $class): void
    {
        $store = new FlakyStore(new FileTokenStore($this->dir . '/tokens.json'));
        $store->failing = true;
        $store->error = $error;
        $platform = platform(Local::url(), store: $store);
        $reported = [];
        $platform->on(\Rcsdk\Event::STORE_ERROR, function (TokenStoreError $error) use (&$reported): void {
            $reported[] = $error->getMessage();
        });
        $platform->loginJwt(Local::env()['RC_JWT']); // issued: kept although the store threw
        $this->assertCount(1, $reported);
        $this->assertStringContainsString($class, $reported[0]);
        $this->assertSame('101', $platform->readExtension()->extensionNumber);
        $store->failing = false;
        $platform->readExtension();
        $this->assertEquals($platform->getAuthData(), $store->inner->load(), 'the kept tokens were not written later');
    }

    // --- issue #20: the same tests in Python (tests/test_store.py, test_lifecycle.py) and JS
    // (tests/js/store.test.mjs); a FIFO or a race cannot be a row of a JSON table.

    public function testANamedPipeAtTheStorePathDoesNotBlock(): void
    {
        $path = $this->dir . '/tokens.json';
        posix_mkfifo($path, 0600);
        $store = new FileTokenStore($path);
        $this->within(5, function () use ($store): void {
            try {
                $store->load();
                $this->fail('a named pipe was read as a token store');
            } catch (TokenStoreError $error) {
                $this->assertStringContainsString('named pipe', $error->getMessage());
            }
        });
    }

    public function testFilesAreCreated0600InA0700FolderWhateverTheUmask(): void
    {
        $old = umask(0);
        try {
            $store = new FileTokenStore($this->dir . '/new/tokens.json');
            $store->synchronized(static fn () => $store->save(['version' => 1]));
        } finally {
            umask($old);
        }
        clearstatcache();
        $this->assertSame(0600, fileperms($store->path) & 0777);
        $this->assertSame(0600, fileperms($store->lockPath) & 0777);
        $this->assertSame(0700, fileperms(dirname($store->path)) & 0777);
    }

    public function testAHardLinkAtTheLockPathIsNotWrittenThrough(): void
    {
        $target = $this->dir . '/victim';
        file_put_contents($target, "precious\n");
        $store = new FileTokenStore($this->dir . '/tokens.json');
        link($target, $store->lockPath);
        try {
            $store->synchronized(static fn () => null);
            $this->fail('the lock was taken through a hard link');
        } catch (TokenStoreError $error) {
            $this->assertMatchesRegularExpression('/\.lock.*hard link/', $error->getMessage());
        }
        $this->assertSame("precious\n", file_get_contents($target));
    }

    public function testALinkSwappedInAtTheLockPathIsNeverWrittenThrough(): void
    {
        $target = $this->dir . '/victim';
        file_put_contents($target, "precious\n");
        $store = new FileTokenStore($this->dir . '/tokens.json', lockTimeout: 1.0);
        $python = getenv('RCSDK_PYTHON') ?: ROOT . '/.venv/bin/python';
        $swapper = new Child([$python, ROOT . '/tests/_swap_lock.py', $store->lockPath, $target]);
        try {
            $swapper->waitFor('/^swapping$/');
            for ($i = 0; $i < 2000; $i++) {
                try {
                    $store->synchronized(static fn () => null);
                } catch (TokenStoreError) {
                    // refused: what is at the path changed under it
                }
            }
        } finally {
            $swapper->stop();
        }
        $this->assertSame("precious\n", file_get_contents($target));
    }

    /** @return array<string, array{string}> */
    public static function lockBlockers(): array
    {
        return ['directory' => ['directory'], 'symlink' => ['symlink'], 'held' => ['held']];
    }

    /**
     * The lock is a directory, a link, or held (by another process here) past lockTimeout:
     * the issued tokens stay in use, and STORE_ERROR says why.
     *
     * @dataProvider lockBlockers
     */
    public function testALoginWhoseStoreLockCannotBeTakenKeepsItsTokens(string $blocker): void
    {
        $store = new FileTokenStore($this->dir . '/tokens.json', lockTimeout: 0.2);
        $holder = null;
        if ($blocker === 'directory') {
            mkdir($store->lockPath);
        } elseif ($blocker === 'symlink') {
            symlink($this->dir . '/elsewhere', $store->lockPath);
        } else {
            $holder = new Child([PHP_BINARY, '-r', '
                require getenv("RCSDK_PHP_AUTOLOAD") ?: "' . ROOT . '/build/php/vendor/autoload.php";
                (new Rcsdk\FileTokenStore($argv[1]))->synchronized(function () { echo "held\n"; fgets(STDIN); });
            ', $store->path]);
            $holder->waitFor('/^held$/');
        }
        try {
            $platform = platform(Local::url(), store: $store);
            $reported = [];
            $platform->on(\Rcsdk\Event::STORE_ERROR, function (TokenStoreError $error) use (&$reported): void {
                $reported[] = $error;
            });
            $token = $platform->loginJwt(Local::env()['RC_JWT']);
            $this->assertCount(1, $reported);
            $this->assertSame($token->accessToken, $platform->getAuthData()['token']['access_token']);
            $this->assertSame('101', $platform->readExtension()->extensionNumber);
        } finally {
            if ($holder !== null) {
                fwrite($holder->pipes[0], "done\n");
                $holder->stop();
            }
        }
    }

    /** Run `$body`; fail, instead of hanging, when it blocks past `$seconds` (SIGALRM). */
    private function within(int $seconds, \Closure $body): void
    {
        pcntl_async_signals(true);
        pcntl_signal(SIGALRM, static function () use ($seconds): void {
            throw new \RuntimeException("blocked for {$seconds} s");
        }, false);
        pcntl_alarm($seconds);
        try {
            $body();
        } finally {
            pcntl_alarm(0);
            pcntl_signal(SIGALRM, SIG_DFL);
        }
    }
}
