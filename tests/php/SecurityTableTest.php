<?php

declare(strict_types=1);

// Issue #15's language-neutral table (tests/cases/security.json), every case, against the PHP
// client. `platform: local` is the real local platform (rcsdk.testing, Local in bootstrap.php);
// the foreign and redirect listeners run in a Python child (security_listeners.py), since the
// PHP client blocks. The foreign one counts connections + requests and must see 0 every time.

namespace Rcsdk\Tests;

use PHPUnit\Framework\AssertionFailedError;
use PHPUnit\Framework\TestCase;
use Rcsdk\RCSDK;
use Rcsdk\RCSDKError;

final class SecurityTableTest extends TestCase
{
    /** Python option names -> the PHP client's named arguments. */
    private const OPTIONS = [
        'allow_insecure_http' => 'allowInsecureHttp',
        'proxy' => 'proxy',
        'max_retries' => 'maxRetries',
        'max_response_bytes' => 'maxResponseBytes',
    ];

    private const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];

    /**
     * Expected message substrings whose wording is language-specific -> what PHP says. Only
     * these are translated; every other substring must appear as written.
     */
    private const MESSAGES = [
        // The option the message tells the user to pass, by its PHP name.
        'allow_insecure_http' => 'allowInsecureHttp',
        'max_response_bytes' => 'maxResponseBytes',
    ];

    private static ?Child $listeners = null;
    /** @var array<string, string> */
    private static array $hosts = [];

    /** @return array<string, mixed> */
    private static function table(): array
    {
        return json_decode((string) file_get_contents(ROOT . '/tests/cases/security.json'), true);
    }

    /** @return array<string, array{array<string, mixed>}> */
    public static function cases(): array
    {
        $cases = [];
        foreach (self::table()['cases'] as $case) {
            $cases[$case['id']] = [$case];
        }
        return $cases;
    }

    private static function listeners(): Child
    {
        if (self::$listeners === null) {
            $python = getenv('RCSDK_PYTHON') ?: ROOT . '/.venv/bin/python';
            self::$listeners = new Child([$python, __DIR__ . '/security_listeners.py']);
            foreach (['foreign', 'redirect', 'proxy'] as $name) {
                self::$hosts[$name] = self::$listeners->waitFor("/^{$name} (\\S+)$/")[1];
            }
        }
        return self::$listeners;
    }

    private static function tell(string $line, string $answer): array
    {
        fwrite(self::listeners()->pipes[0], $line . "\n");
        return self::listeners()->waitFor($answer);
    }

    /**
     * `$make()` with every proxy variable unset but `$values` (the proxy is chosen then, only then).
     *
     * @param array<string, string> $values
     */
    private static function withEnvironment(array $values, \Closure $make): mixed
    {
        $saved = [];
        foreach (self::PROXY_VARIABLES as $name) {
            $saved[$name] = getenv($name);
            putenv($name);
        }
        foreach ($values as $name => $value) {
            putenv("{$name}={$value}");
        }
        try {
            return $make();
        } finally {
            foreach ($saved as $name => $value) {
                putenv($value === false ? $name : "{$name}={$value}");
            }
        }
    }

    /** @return array{foreign: int, redirect: int, proxy: int, flood: int} */
    private static function counts(): array
    {
        return json_decode(self::tell('counts', '/^\{.*\}$/')[0], true);
    }

    /** Connections the local platform accepted (one of them the counting request itself). */
    private static function localConnections(): int
    {
        return (int) Local::counts()['connections'];
    }

    private static function fill(mixed $value, array $names): mixed
    {
        if (is_string($value)) {
            return strtr($value, $names);
        }
        if (is_array($value)) {
            $filled = [];
            foreach ($value as $k => $v) {
                $filled[is_string($k) ? strtr($k, $names) : $k] = self::fill($v, $names);
            }
            return $filled;
        }
        return $value;
    }

    /** @return array<string, mixed> tokens set directly (no request): the access token far from due */
    private static function validTokens(): array
    {
        $far = 4_000_000_000.0;
        return [
            'version' => 1,
            'token' => [
                'access_token' => 'case-access-token-0001',
                'token_type' => 'bearer',
                'expires_in' => 3600,
                'refresh_token' => 'case-refresh-token-0001',
                'refresh_token_expires_in' => 604800,
                'scope' => 'ReadAccounts',
                'owner_id' => '1',
                'endpoint_id' => 'e',
            ],
            'expires_at' => $far,
            'refresh_token_expires_at' => $far,
        ];
    }

    /** Run one case; fails (AssertionFailedError) when the client does not do what it expects. */
    private function runCase(array $case): void
    {
        self::listeners();
        $env = Local::env();
        $local = (string) parse_url($env['RC_SERVER'], PHP_URL_HOST) . ':' . (string) parse_url($env['RC_SERVER'], PHP_URL_PORT);
        if ($case['platform'] === 'answer') {
            $host = self::tell("flood {$case['answer']}", '/^flood (\S+)$/')[1];
        } else {
            $host = $case['platform'] === 'redirect' ? self::$hosts['redirect'] : $local;
        }
        $names = [
            '{platform}' => $host,
            '{foreign}' => self::$hosts['foreign'],
            '{remote}' => '0.0.0.0:' . substr((string) strrchr($host, ':'), 1),
            '{jwt}' => $env['RC_JWT'],
            '{proxy}' => self::$hosts['proxy'],
        ];
        $case = self::fill($case, $names);
        $expect = $case['expect'];
        $id = $case['id'];
        if ($case['platform'] === 'redirect') {
            self::tell("set {$case['redirect']['status']} {$case['redirect']['location']}", '/^ok$/');
        }
        $received = match ($case['platform']) {
            'redirect' => static fn (): int => self::counts()['redirect'],
            'answer' => static fn (): int => self::counts()['flood'],
            // The counting request opens one connection of its own, taken off below.
            default => static fn (): int => self::localConnections(),
        };
        $ownCount = $case['platform'] === 'local' ? 1 : 0;
        $options = [];
        foreach ($case['options'] ?? [] as $name => $value) {
            $this->assertArrayHasKey($name, self::OPTIONS, "{$id}: no PHP name for option {$name}");
            $options[self::OPTIONS[$name]] = $value;
        }
        $warnings = [];
        $options['logger'] = static function (string $level, string $message) use (&$warnings): void {
            if ($level === 'warning') {
                $warnings[] = $message;
            }
        };
        $foreignBefore = self::counts()['foreign'];
        $proxyBefore = self::counts()['proxy'];
        $error = null;
        $before = $received();
        try {
            $platform = self::withEnvironment(
                $case['env'] ?? [],
                static fn () => (new RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $case['server'] ?? "http://{$host}", ...$options))->getPlatform(),
            );
            if ($case['tokens'] === 'valid') {
                $platform->setAuthData(self::validTokens());
            } elseif ($case['tokens'] === 'login') {
                $platform->loginJwt($env['RC_JWT']);
            }
            $before = $received();
            $args = $case['args'] ?? [];
            // Python action names -> PHP calls.
            match ($case['action']) {
                'construct' => null,
                'login_jwt' => $platform->loginJwt($args['jwt']),
                'login_password' => $platform->authorize($args['username'], $args['extension'], $args['password']),
                'refresh' => $platform->refresh(),
                'revoke' => $platform->logout(),
                'request' => $platform->request($args['method'], $args['path'], headers: $args['headers'] ?? []),
            };
        } catch (RCSDKError $e) {
            $error = $e;
        }
        $after = $received();
        $this->assertSame($expect['foreign_requests'], self::counts()['foreign'] - $foreignBefore, "{$id}: the foreign host was reached");
        if (array_key_exists('proxy_requests', $expect)) {
            $this->assertSame($expect['proxy_requests'], self::counts()['proxy'] - $proxyBefore, "{$id}: proxy requests");
        }
        if (array_key_exists('platform_requests', $expect)) {
            $this->assertSame($expect['platform_requests'], $after - $before - $ownCount, "{$id}: platform requests");
        }
        if ($expect['error'] === null) {
            $this->assertNull($error, "{$id}: unexpected " . ($error === null ? '' : get_class($error) . ': ' . $error->getMessage()));
        } else {
            $this->assertNotNull($error, "{$id}: expected {$expect['error']}, nothing was raised");
            $this->assertSame('Rcsdk\\' . $expect['error'], get_class($error), "{$id}: " . $error->getMessage());
            foreach ($expect['message'] as $part) {
                $this->assertStringContainsString(self::MESSAGES[$part] ?? $part, $error->getMessage(), $id);
            }
            foreach ($expect['message_lacks'] ?? [] as $part) {
                $this->assertStringNotContainsString($part, $error->getMessage() . (string) $error, "{$id}: a secret is shown");
            }
            if (array_key_exists('status', $expect)) {
                $this->assertSame($expect['status'], $error->statusCode ?? null, "{$id}: status");
            }
        }
        foreach ($expect['warning'] ?? [] as $part) {
            $wanted = self::MESSAGES[$part] ?? $part;
            $found = array_filter($warnings, static fn (string $w): bool => str_contains($w, $wanted));
            $this->assertNotEmpty($found, "{$id}: no warning with {$wanted} in " . json_encode($warnings));
        }
    }

    /** @dataProvider cases */
    public function testCase(array $case): void
    {
        $this->runCase($case);
    }

    public function testTheRunnerCanFail(): void
    {
        $cases = self::cases();
        // A wrong expected message is caught.
        $wrong = $cases['foreign-absolute-url'][0];
        $wrong['expect']['message'] = ['a substring no client says'];
        try {
            $this->runCase($wrong);
            $failed = false;
        } catch (AssertionFailedError) {
            $failed = true;
        }
        $this->assertTrue($failed, 'a wrong message passed');
        // allowInsecureHttp switches the plain-HTTP check off: the case's UsageError never comes.
        $optedIn = $cases['plain-http-remote'][0];
        $optedIn['options'] = ['allow_insecure_http' => true];
        try {
            $this->runCase($optedIn);
            $message = '';
        } catch (AssertionFailedError $e) {
            $message = $e->getMessage();
        }
        $this->assertStringContainsString('expected UsageError, nothing was raised', $message);
    }

    /** @return array<string, array{array<string, mixed>}> */
    public static function redactionCases(): array
    {
        $cases = [];
        foreach (self::table()['redaction']['cases'] as $case) {
            $cases[$case['id']] = [$case];
        }
        return $cases;
    }

    /**
     * The table's redaction cases: what a Redactor blanks, as in Python and JavaScript.
     *
     * @dataProvider redactionCases
     */
    public function testRedaction(array $case): void
    {
        $redactor = new \Rcsdk\Redactor();
        $redactor->add(...($case['credentials'] ?? []));
        foreach ($case['rotations'] ?? [] as $rotation) {
            $redactor->addTokens(...$rotation);
        }
        if (array_key_exists('text', $case)) {
            $this->assertSame($case['expect'], $redactor->text($case['text']));
        } else {
            $this->assertSame($case['expect_value'], $redactor->value($case['value']));
        }
    }
}
