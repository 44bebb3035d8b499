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
        'clock' => 'clock',
        'user_agent' => 'userAgent',
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
        'app_key' => 'appKey',
        'app_secret' => 'appSecret',
        'user_agent' => 'userAgent',
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

    /**
     * The case's store, holding its auth data (`store`), and that data; with no `store` but an
     * `expect.store`, an empty one.
     *
     * @param array<string, string> $env
     * @return array{?\Rcsdk\MemoryTokenStore, ?array<string, mixed>}
     */
    private static function prefilledStore(array $case, string $server, array $env): array
    {
        $spec = $case['store'] ?? null;
        if ($spec === null) {
            return array_key_exists('store', $case['expect']) ? [new \Rcsdk\MemoryTokenStore(), null] : [null, null];
        }
        $data = self::validTokens();
        if ($spec['tokens'] === 'issued') { // another client logged in to the platform
            $other = (new RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $server))->getPlatform();
            $other->loginJwt($env['RC_JWT']);
            $data = $other->getAuthData();
        }
        unset($data['origin'], $data['app_key']);
        foreach (['origin', 'app_key'] as $key) {
            if (array_key_exists($key, $spec)) {
                $data[$key] = $spec[$key];
            }
        }
        $store = new \Rcsdk\MemoryTokenStore();
        $store->save($data);
        return [$store, $data];
    }

    /** A loopback port where nothing listens (bound, then closed). */
    private static function closedPort(): int
    {
        $server = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr((string) strrchr((string) stream_socket_get_name($server, false), ':'), 1);
        fclose($server);
        return $port;
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

    /** zend.exception_ignore_args before the test: each case runs with a trace's arguments kept. */
    private string|false $ignoreArgs = false;

    protected function setUp(): void
    {
        // PHP's default without a php.ini (Debian's sets 1): a secret in an argument of one of
        // rcsdk's calls would show in the error's trace (message_lacks checks it, issue #20).
        $this->ignoreArgs = ini_set('zend.exception_ignore_args', '0');
    }

    protected function tearDown(): void
    {
        ini_set('zend.exception_ignore_args', (string) $this->ignoreArgs);
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
            '{closed}' => '127.0.0.1:' . self::closedPort(),
            '{app_key}' => $env['RC_APP_KEY'],
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
        [$store, $held] = self::prefilledStore($case, "http://{$host}", $env);
        if ($store !== null) {
            $options['store'] = $store;
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
        $args = $case['args'] ?? [];
        $action = $case['action'];
        // PHP's declared parameter types refuse some calls before their body runs.
        $typeError = in_array('php', $case['signature_refuses'] ?? [], true);
        try {
            if ($action === 'file_store') {
                new \Rcsdk\FileTokenStore($args['path']);
                $this->fail("{$id}: FileTokenStore took a path that is not one");
            }
            if ($action === 'from_env') {
                $sdk = RCSDK::fromEnv($args['env']);
                // PHP's loginJwt takes the JWT from the settings explicitly.
                [$action, $args] = [$args['then'], ['jwt' => $sdk->settings->jwt]];
                $platform = $sdk->getPlatform();
            } else {
                $credentials = $case['credentials'] ?? [];
                $platform = self::withEnvironment(
                    $case['env'] ?? [],
                    static fn () => (new RCSDK(
                        $credentials['app_key'] ?? $env['RC_APP_KEY'],
                        $credentials['app_secret'] ?? $env['RC_APP_SECRET'],
                        $case['server'] ?? "http://{$host}",
                        ...$options,
                    ))->getPlatform(),
                );
            }
            if ($case['tokens'] === 'valid') {
                $platform->setAuthData(self::validTokens());
            } elseif ($case['tokens'] === 'login') {
                $platform->loginJwt($env['RC_JWT']);
            }
            $before = $received();
            // Python action names -> PHP calls (options given as null: PHP has named arguments instead).
            match ($action) {
                'construct' => null,
                'login_jwt' => $platform->loginJwt($args['jwt']),
                'login_password' => $platform->authorize($args['username'], $args['extension'], $args['password']),
                'refresh' => $platform->refresh(),
                'revoke' => $platform->logout(),
                'request' => $platform->request($args['method'], $args['path'], headers: $args['headers'] ?? []),
                'login_auth_code' => $platform->loginAuthCode($args['code']),
                'authorize_url' => $platform->authorizeUrl(),
                'read_extension' => $platform->readExtension(),
                'get' => $platform->get($args['path'], $args['query']),
                'set_auth_data' => $platform->setAuthData($args['binding'] + self::validTokens()),
            };
        } catch (RCSDKError $e) {
            $error = $e;
        } catch (\TypeError $e) {
            if (!$typeError) {
                throw $e;
            }
            // A declared parameter type's refusal ("Argument #1 ... called in"), not a TypeError
            // from inside rcsdk's code.
            $this->assertMatchesRegularExpression('/Argument #\d+ .* must be of type .* called in /', $e->getMessage(), $id);
            return;
        }
        $this->assertFalse($typeError, "{$id}: PHP's parameter types were to refuse this call");
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
            // rcsdk's own frames of the trace, with their arguments (this test's frames hold the case).
            $frames = array_filter($error->getTrace(), static fn (array $frame): bool => str_starts_with($frame['class'] ?? '', 'Rcsdk\\') && !str_starts_with($frame['class'], 'Rcsdk\\Tests\\'));
            foreach ($expect['message_lacks'] ?? [] as $part) {
                $this->assertStringNotContainsString($part, $error->getMessage() . (string) $error, "{$id}: a secret is shown");
                $this->assertStringNotContainsString($part, print_r($frames, true), "{$id}: a secret is in the trace's arguments");
            }
            if (array_key_exists('status', $expect)) {
                $this->assertSame($expect['status'], $error->statusCode ?? null, "{$id}: status");
            }
        }
        if (array_key_exists('store', $expect)) {
            $now = $store?->load() ?? [];
            if ($expect['store'] === 'unchanged') {
                $this->assertSame($held, $now, "{$id}: the store's session was changed");
            } else {
                foreach ($expect['store'] as $key => $value) {
                    $this->assertSame($value, $now[$key] ?? null, "{$id}: store {$key}");
                }
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
        $redactor->add(...array_map(self::expand(...), $case['credentials'] ?? []));
        foreach ($case['rotations'] ?? [] as $rotation) {
            $redactor->addTokens(...array_map(self::expand(...), $rotation));
        }
        if (array_key_exists('text', $case)) {
            $this->assertSame(self::expand($case['expect']), $redactor->text(self::expand($case['text'])));
        } else {
            $this->assertSame($case['expect_value'], $redactor->value($case['value']));
        }
    }

    /** The redaction table's placeholders: {lone_surrogate} (its WTF-8 bytes) and {X*N}. */
    private static function expand(string $text): string
    {
        $text = str_replace('{lone_surrogate}', "\xED\xA0\x80", $text);
        return (string) preg_replace_callback('/\{(.)\*(\d+)\}/', static fn (array $m): string => str_repeat($m[1], (int) $m[2]), $text);
    }

    /** @return array<string, array{array<string, mixed>}> */
    public static function serializationCases(): array
    {
        $cases = [];
        foreach (self::table()['serialization']['cases'] as $case) {
            $cases[$case['id']] = [$case];
        }
        return $cases;
    }

    /**
     * The table's serialization cases (issue #20, point 10): no public object's serialization
     * shows a secret. A serialization that refuses (throws) passes when its message shows none.
     *
     * @dataProvider serializationCases
     */
    public function testSerialization(array $case): void
    {
        $extra = [
            'RC_PASSWORD' => 'password-in-the-environment',
            'RC_AUTH_CODE' => 'auth-code-in-the-environment',
            'RC_CODE_VERIFIER' => 'code-verifier-in-the-environment-0123456789',
            'RC_ACCESS_TOKEN' => 'access-token-in-the-environment',
            'RC_REFRESH_TOKEN' => 'refresh-token-in-the-environment',
        ];
        $env = Local::env();
        $sdk = RCSDK::fromEnv(['RC_SERVER' => Local::url(), 'RC_APP_KEY' => $env['RC_APP_KEY'], 'RC_APP_SECRET' => $env['RC_APP_SECRET'], 'RC_JWT' => $env['RC_JWT']] + $extra);
        $platform = $sdk->getPlatform();
        $heard = [];
        $platform->on(\Rcsdk\Event::LOGIN_SUCCESS, function (mixed $payload) use (&$heard): void {
            $heard[] = $payload;
        });
        $token = $platform->loginJwt($env['RC_JWT']);
        $tokens = $platform->getAuthData()['token'];
        $secrets = [
            $env['RC_APP_SECRET'], $env['RC_JWT'], ...array_values($extra),
            $tokens['access_token'], $tokens['refresh_token'],
            base64_encode($env['RC_APP_KEY'] . ':' . $env['RC_APP_SECRET']),
        ];
        $value = ['sdk' => $sdk, 'settings' => $sdk->settings, 'platform' => $platform, 'token_info' => $token, 'login_event' => $heard[0] ?? null][$case['object']];
        $previous = ini_set('zend.exception_ignore_args', '0');
        try {
            if ($case['method'] === 'trace') {
                try {
                    $platform->get('/restapi/v1.0/no-such-resource');
                    $this->fail('the call succeeded');
                } catch (RCSDKError $error) {
                    $value = $error;
                }
            }
            $text = self::serialized($value, $case['method']);
        } finally {
            ini_set('zend.exception_ignore_args', (string) $previous);
        }
        $shown = count(array_filter($secrets, static fn (string $secret): bool => str_contains($text, $secret)));
        $this->assertSame(0, $shown, "{$case['id']}: {$shown} secret(s) shown");
    }

    /** `$value` serialized the table's way (each of PHP's ways for it); a refusal's message. */
    private static function serialized(mixed $value, string $method): string
    {
        $ways = match ($method) {
            'json' => [static fn (): string => (string) json_encode($value, JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE)],
            'string' => [static fn (): string => $value instanceof \Stringable ? (string) $value : print_r($value, true)],
            'debug' => [
                static fn (): string => print_r($value, true),
                static function () use ($value): string {
                    ob_start();
                    var_dump($value);
                    return (string) ob_get_clean();
                },
            ],
            'export' => [static fn (): string => (string) @var_export($value, true), static fn (): string => serialize($value)],
            'spread' => [
                static fn (): string => (string) @var_export(is_object($value) ? get_object_vars($value) : $value, true),
                static fn (): string => (string) @var_export((array) $value, true),
            ],
            'trace' => [
                static fn (): string => $value instanceof \Throwable ? (string) @var_export($value->getTrace(), true) : '',
                static fn (): string => $value instanceof \Throwable ? print_r($value->getTrace(), true) . $value->getTraceAsString() . $value : '',
            ],
        };
        $out = '';
        foreach ($ways as $way) {
            try {
                $out .= $way() . "\n";
            } catch (\Throwable $refused) {
                $out .= get_class($refused) . ': ' . $refused->getMessage() . "\n";
            }
        }
        return $out;
    }
}
