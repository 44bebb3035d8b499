<?php

declare(strict_types=1);

namespace Rcsdk\Tests;

use PHPUnit\Framework\TestCase;
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

    /** @return array<string, array{array<string, mixed>}> */
    public static function storeCases(): array
    {
        $cases = [];
        foreach (self::table()['cases'] as $case) {
            $cases[$case['name']] = [$case];
        }
        return $cases;
    }

    /** @return array<string, mixed> the shared table of the protocol (Python and Node run it too) */
    private static function table(): array
    {
        return json_decode((string) file_get_contents(ROOT . '/tests/cases/store.json'), true);
    }

    /**
     * @dataProvider storeCases
     * @param array<string, mixed> $case
     */
    public function testStoreCase(array $case): void
    {
        $data = self::table()['data'];
        $redis = new \Redis();
        $redis->connect('127.0.0.1', self::$port);
        $redis->del(self::KEY);
        $store = $this->store();
        $bound = [];
        foreach ($case['steps'] as $step) {
            $written = null;
            if ($step['op'] === 'load') {
                [$held, $generation] = $store->loadGeneration();
            } else {
                $expected = $step['expected'] === null || $step['expected'] === '*' ? $step['expected'] : $bound[$step['expected']];
                [$written, $held, $generation] = $store->saveIf($step['data'] === null ? null : $data[$step['data']], $expected);
            }
            $want = $step['expect'];
            if (array_key_exists('written', $want)) {
                self::assertSame($want['written'], $written, json_encode($step));
            }
            self::assertSame($want['data'] === null ? null : $data[$want['data']], $held, json_encode($step));
            if ($want['generation'] === null) {
                self::assertNull($generation);
            } elseif (isset($bound[$want['generation']])) {
                self::assertSame($bound[$want['generation']], $generation);
            } else {
                self::assertNotNull($generation);
                foreach ($bound as $earlier) {
                    self::assertGreaterThan((int) $earlier, (int) $generation);
                }
                $bound[$want['generation']] = $generation;
            }
        }
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
