<?php

declare(strict_types=1);

namespace Rcsdk\Tests;

use PHPUnit\Framework\TestCase;
use Rcsdk\FencedTokenStore;
use Rcsdk\RedisTokenStore;
use Rcsdk\TokenStoreError;

/**
 * PHP's RedisTokenStore (phpredis) against a redis-server of its own: the protocol's shared
 * scripts, compare-and-set saves on the generation, the lease, and typed errors when Redis is
 * unreachable. PHP-only: what is tested here is the binding to phpredis (its replies, its
 * errors); the protocol's rules are the shared scripts, and the Python, Node and PHP workers on
 * one key run together in tests/test_redis_mixed.py and tests/test_redis_chaos.py.
 */
final class RedisStoreTest extends TestCase
{
    private const KEY = 'rcsdk:php:user';
    private static ?Child $server = null;
    private static int $port = 0;

    public static function setUpBeforeClass(): void
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        self::$port = (int) substr((string) stream_socket_get_name($probe, false), strrpos((string) stream_socket_get_name($probe, false), ':') + 1);
        fclose($probe);
        self::$server = new Child(['redis-server', '--bind', '127.0.0.1', '--port', (string) self::$port, '--save', '', '--appendonly', 'no']);
        self::$server->waitFor('/Ready to accept connections/');
    }

    public static function tearDownAfterClass(): void
    {
        self::$server?->stop();
    }

    private function store(float $lockTimeout = 5.0): RedisTokenStore
    {
        return new RedisTokenStore(self::KEY, url: 'redis://127.0.0.1:' . self::$port . '/0', lockTimeout: $lockTimeout);
    }

    public function testTheStoreRunsTheScriptsEveryPackageShips(): void
    {
        foreach (['acquire', 'load', 'release', 'renew', 'save'] as $name) {
            self::assertSame(file_get_contents(ROOT . "/generated/store/$name.lua"), RedisTokenStore::script($name));
        }
    }

    public function testASaveIsACompareAndSetOnTheGeneration(): void
    {
        $store = $this->store();
        $store->save(null);
        $redis = new \Redis();
        $redis->connect('127.0.0.1', self::$port);
        $redis->del(self::KEY);
        self::assertSame([null, null], $store->loadGeneration());
        $first = ['version' => 1, 'token' => ['access_token' => 'a1', 'refresh_token' => 'r1'], 'expires_at' => null];
        $second = ['version' => 1, 'token' => ['access_token' => 'a2', 'refresh_token' => 'r2'], 'expires_at' => null];
        [$written, $held, $g1] = $store->saveIf($first, null);
        self::assertTrue($written);
        self::assertSame($first, $held);
        self::assertSame([false, $first, $g1], $store->saveIf($second, null)); // the first writer won
        [$again, , $g2] = $store->saveIf($second, $g1);
        self::assertTrue($again);
        self::assertGreaterThan((int) $g1, (int) $g2);
        self::assertSame([false, $second, $g2], $store->saveIf(['version' => 1, 'token' => ['access_token' => 'stale']], $g1));
        $store->saveIf(null, FencedTokenStore::ANY); // a logout: a tombstone, not a lost key
        [$data, $generation] = $store->loadGeneration();
        self::assertNull($data);
        self::assertNotNull($generation);
    }

    public function testTheLeaseIsExclusiveAndReentrant(): void
    {
        $holder = $this->store();
        $other = $this->store(lockTimeout: 0.2);
        $holder->synchronized(function () use ($holder, $other): void {
            $holder->synchronized(fn () => null); // re-entered by its holder
            $this->expectException(TokenStoreError::class);
            $this->expectExceptionMessage('timed out after 0.2 s');
            $other->synchronized(fn () => null);
        });
    }

    public function testAnUnreachableRedisIsATokenStoreError(): void
    {
        $dead = new RedisTokenStore(self::KEY, url: 'redis://127.0.0.1:1/0');
        $this->expectException(TokenStoreError::class);
        $this->expectExceptionMessage('cannot read token store');
        $dead->load();
    }
}
