<?php

declare(strict_types=1);

// What the PHP tests share: the built package (build/php, made by tests/php/build.sh), paths,
// a clock the tests move instead of sleeping, the local platform (rcsdk.testing serve, started
// once) and a scripted loopback server (the twin of tests/_scripted.py).

namespace Rcsdk\Tests;

const ROOT = __DIR__ . '/../..';

require getenv('RCSDK_PHP_AUTOLOAD') ?: ROOT . '/build/php/vendor/autoload.php';

final class FakeClock
{
    /** @var list<float> */
    public array $sleeps = [];

    public function __construct(public float $now = 1_800_000_000.0)
    {
    }

    public function clock(): \Closure
    {
        return fn (): float => $this->now;
    }

    public function sleep(): \Closure
    {
        return function (float $seconds): void {
            $this->sleeps[] = $seconds;
            $this->now += $seconds;
        };
    }
}

/** A child process, ended (by its pid only) when the test run ends. */
final class Child
{
    /** @var resource */
    private $process;
    /** @var array<int, resource> */
    public array $pipes = [];

    /** @param list<string> $command */
    public function __construct(array $command, ?array $env = null)
    {
        $process = proc_open($command, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'a']], $this->pipes, null, $env);
        if (!is_resource($process)) {
            throw new \RuntimeException('cannot start ' . implode(' ', $command));
        }
        $this->process = $process;
        register_shutdown_function([$this, 'stop']);
    }

    /** The first line of output that matches `$pattern`, waiting at most `$seconds`. */
    public function waitFor(string $pattern, float $seconds = 20.0): array
    {
        $deadline = microtime(true) + $seconds;
        $seen = '';
        while (microtime(true) < $deadline) {
            $read = [$this->pipes[1]];
            $write = $except = null;
            if (stream_select($read, $write, $except, 0, 200000) > 0) {
                $line = fgets($this->pipes[1]);
                if ($line === false) {
                    break;
                }
                $seen .= $line;
                if (preg_match($pattern, $line, $m) === 1) {
                    return $m;
                }
            }
        }
        throw new \RuntimeException("no line matching {$pattern} within {$seconds} s; got: {$seen}");
    }

    public function stop(): void
    {
        if (is_resource($this->process)) {
            $status = proc_get_status($this->process);
            if ($status['running']) {
                posix_kill($status['pid'], SIGTERM);
            }
            proc_close($this->process);
        }
    }
}

/** The local platform (python -m rcsdk.testing serve), started once for the whole run. */
final class Local
{
    private static ?Child $child = null;
    /** @var array<string, string> */
    private static array $env = [];

    /** @return array<string, string> the RC_* variables of the confidential app and its user */
    public static function env(): array
    {
        if (self::$child === null) {
            $python = getenv('RCSDK_PYTHON') ?: ROOT . '/.venv/bin/python';
            self::$child = new Child([$python, '-m', 'rcsdk.testing', 'serve', '--port', '0', '--auth-rate-limit', 'off']);
            $env = [];
            while (true) {
                $m = self::$child->waitFor('/^(export (RC_\w+)=(.*)|listening on .*)$/');
                if (!isset($m[2]) || $m[2] === '') {
                    break;
                }
                $env[$m[2]] = $m[3];
            }
            self::$env = $env;
        }
        return self::$env;
    }

    public static function url(): string
    {
        return self::env()['RC_SERVER'];
    }

    /** POST a control of the local platform (/rcsdk-testing/...). */
    public static function control(string $name, array $body = []): mixed
    {
        return self::http('POST', '/rcsdk-testing/' . $name, $body);
    }

    /** @return array<string, mixed> the request counts (GET /rcsdk-testing/) */
    public static function counts(): array
    {
        return (array) self::http('GET', '/rcsdk-testing/');
    }

    private static function http(string $method, string $path, ?array $body = null): mixed
    {
        $curl = curl_init(self::url() . $path);
        curl_setopt_array($curl, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => ['Content-Type: application/json'],
        ]);
        if ($method === 'POST') {
            curl_setopt($curl, CURLOPT_POSTFIELDS, json_encode($body === [] ? new \stdClass() : $body));
        }
        $text = curl_exec($curl);
        return json_decode((string) $text, true);
    }
}

/**
 * A loopback server (PHP's built-in one, started once) that answers scripted responses in
 * order, whatever the path, and records [method, path, headers, body] of what it received.
 */
final class Scripted
{
    private static ?Child $child = null;
    private static string $state = '';
    private static string $url = '';

    /** @param list<array{status: int, headers: array<string, string>, body: string}> $responses */
    public static function start(array $responses): string
    {
        if (self::$child === null) {
            self::$state = tempnam(sys_get_temp_dir(), 'rcsdk-php-scripted-');
            $probe = stream_socket_server('tcp://127.0.0.1:0');
            $port = (int) substr((string) strrchr(stream_socket_get_name($probe, false), ':'), 1);
            fclose($probe);
            self::$child = new Child(
                [PHP_BINARY, '-S', "127.0.0.1:{$port}", __DIR__ . '/scripted_router.php'],
                ['RCSDK_SCRIPTED_STATE' => self::$state] + getenv(),
            );
            self::$url = "http://127.0.0.1:{$port}";
            $deadline = microtime(true) + 20;
            while (@fsockopen('127.0.0.1', $port) === false) {
                if (microtime(true) > $deadline) {
                    throw new \RuntimeException('the scripted server did not start');
                }
                usleep(20000);
            }
        }
        file_put_contents(self::$state, json_encode(['responses' => $responses, 'seen' => []]));
        return self::$url;
    }

    /** @return list<array{method: string, path: string, query: string, headers: array<string, string>, body: string}> */
    public static function seen(): array
    {
        return json_decode((string) file_get_contents(self::$state), true)['seen'];
    }
}

/** A platform of the local app on `$server`, with options. */
function platform(string $server, mixed ...$options): \Rcsdk\Platform
{
    $env = Local::env();
    return (new \Rcsdk\RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $server, ...$options))->getPlatform();
}
