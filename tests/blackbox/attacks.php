<?php

declare(strict_types=1);

// The black-box attack program for the Composer-installed package (tests/test_blackbox.py): the
// same ops as attacks.py, run outside the checkout against vendor/rcsdk/rcsdk, public API only.
// One attack per line on stdin (JSON), one JSON line per attack on stdout; the harness judges.

require __DIR__ . '/vendor/autoload.php';

use Rcsdk\FileTokenStore;
use Rcsdk\MemoryTokenStore;
use Rcsdk\Platform;
use Rcsdk\RCSDK;
use Rcsdk\RCSDKError;

const OPTIONS = [
    'allow_insecure_http' => 'allowInsecureHttp',
    'user_agent' => 'userAgent',
    'max_retries' => 'maxRetries',
    'proxy' => 'proxy',
    'max_response_bytes' => 'maxResponseBytes',
];
const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];
const JSON_OUT = JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_UNESCAPED_SLASHES;

function expand(string $text): string
{
    $text = str_replace('{lone_surrogate}', "\xED\xA0\x80", $text);
    return (string) preg_replace_callback('/\{(.)\*(\d+)\}/', static fn (array $m): string => str_repeat($m[1], (int) $m[2]), $text);
}

/**
 * The frames of an error's trace that are rcsdk's own calls, with their arguments: this program's
 * frames carry the attack (credentials included) and are not the package's to hide.
 */
function ownFrames(\Throwable $error): array
{
    return array_values(array_filter($error->getTrace(), static fn (array $frame): bool => str_starts_with($frame['class'] ?? '', 'Rcsdk\\')));
}

/** @return array<string, mixed> */
function outcome(callable $call): array
{
    try {
        $call();
    } catch (\Throwable $error) {
        $frames = ownFrames($error);
        $forms = [$error->getMessage(), (string) $error, print_r($frames, true), (string) @var_export($frames, true)];
        $name = (new \ReflectionClass($error))->getShortName();
        return ['error' => $name, 'typed' => $error instanceof RCSDKError, 'texts' => $forms];
    }
    return ['error' => null];
}

/** @return array<string, mixed> */
function validTokens(): array
{
    $far = 4_000_000_000;
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

/** `$make()` with every proxy variable unset but `$values` (the proxy is chosen then). */
function withEnvironment(array $values, callable $make): mixed
{
    $saved = [];
    foreach (PROXY_VARIABLES as $name) {
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

function act(Platform $platform, string $action, array $args): void
{
    match ($action) {
        'construct' => null,
        'login_jwt' => $platform->loginJwt($args['jwt']),
        'login_password' => $platform->authorize($args['username'], $args['extension'], $args['password']),
        'refresh' => $platform->refresh(),
        'revoke' => $platform->logout(),
        'request' => $platform->request($args['method'], $args['path'], headers: $args['headers'] ?? []),
        'login_auth_code' => $platform->loginAuthCode($args['code']),
        'read_extension' => $platform->readExtension(),
        'get' => $platform->get($args['path'], $args['query'] ?? null),
        'set_auth_data' => $platform->setAuthData($args['binding'] + validTokens()),
    };
}

function row(array $attack): array
{
    $case = $attack['row'];
    $creds = $attack['creds'];
    $options = [];
    foreach ($case['options'] ?? [] as $name => $value) {
        $options[OPTIONS[$name]] = $value;
    }
    $store = null;
    $held = null;
    if (array_key_exists('store', $case) || array_key_exists('store', $case['expect'])) {
        $store = new MemoryTokenStore();
        $options['store'] = $store;
    }
    if (array_key_exists('store', $case)) {
        $data = validTokens();
        if ($case['store']['tokens'] === 'issued') {
            $other = (new RCSDK($creds['app_key'], $creds['app_secret'], $attack['platform']))->getPlatform();
            $other->loginJwt($creds['jwt']);
            $data = $other->getAuthData();
        }
        unset($data['origin'], $data['app_key']);
        foreach (['origin', 'app_key'] as $key) {
            if (array_key_exists($key, $case['store'])) {
                $data[$key] = $case['store'][$key];
            }
        }
        $store->save($data);
        $held = $store->load();
    }
    $options['logger'] = static function (string $level, string $message): void {
    };
    $result = outcome(static function () use ($case, $creds, $attack, $options): void {
        if ($case['action'] === 'from_env') {
            $sdk = RCSDK::fromEnv($case['args']['env']);
            if (($case['args']['then'] ?? null) === 'login_jwt') {
                $sdk->getPlatform()->loginJwt($sdk->settings->jwt);
            }
            return;
        }
        $platform = withEnvironment($case['env'] ?? [], static fn () => (new RCSDK(
            $case['credentials']['app_key'] ?? $creds['app_key'],
            $case['credentials']['app_secret'] ?? $creds['app_secret'],
            $case['server'] ?? $attack['platform'],
            ...$options,
        ))->getPlatform());
        if ($case['tokens'] === 'valid') {
            $platform->setAuthData(validTokens());
        } elseif ($case['tokens'] === 'login') {
            $platform->loginJwt($creds['jwt']);
        }
        act($platform, $case['action'], $case['args'] ?? []);
    });
    return ['outcome' => $result, 'held' => $held, 'store' => $store?->load()];
}

function filePlatform(array $attack): Platform
{
    $store = new FileTokenStore($attack['path']);
    return (new RCSDK($attack['creds']['app_key'], $attack['creds']['app_secret'], $attack['server'], store: $store))->getPlatform();
}

function fileLogin(array $attack): array
{
    return ['outcome' => outcome(static fn () => filePlatform($attack)->loginJwt($attack['creds']['jwt']))];
}

function fileUse(array $attack): array
{
    return ['outcome' => outcome(static fn () => filePlatform($attack)->readExtension())];
}

function fifo(array $attack): array
{
    $platform = null;
    $outcomes = [outcome(static function () use ($attack, &$platform): void {
        $platform = filePlatform($attack);
    })];
    if ($platform !== null) {
        $outcomes[] = outcome(static fn () => $platform->isAuthorized());
        $outcomes[] = outcome(static fn () => $platform->loginJwt($attack['creds']['jwt']));
    }
    return ['outcomes' => $outcomes];
}

/** `$value` serialized the table's way (each of PHP's ways for it); a refusal's message. */
function serialized(mixed $value, string $method): string
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
            static fn (): string => $value instanceof \Throwable ? (string) @var_export(ownFrames($value), true) : '',
            static fn (): string => $value instanceof \Throwable ? print_r(ownFrames($value), true) . $value->getTraceAsString() . $value : '',
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

function serializeAll(array $attack): array
{
    $sdk = RCSDK::fromEnv($attack['env']);
    $platform = $sdk->getPlatform();
    $heard = [];
    $platform->on(\Rcsdk\Event::LOGIN_SUCCESS, static function (mixed $payload) use (&$heard): void {
        $heard[] = $payload;
    });
    $token = $platform->loginJwt($sdk->settings->jwt);
    $tokens = $platform->getAuthData()['token'];
    $error = null;
    try {
        $platform->get('/restapi/v1.0/no-such-resource');
    } catch (RCSDKError $e) {
        $error = $e;
    }
    $objects = ['sdk' => $sdk, 'settings' => $sdk->settings, 'platform' => $platform, 'token_info' => $token, 'login_event' => $heard[0] ?? null];
    $texts = [];
    foreach ($attack['cases'] as $case) {
        $value = $case['method'] === 'trace' ? $error : $objects[$case['object']];
        $texts[$case['id']] = serialized($value, $case['method']);
    }
    return ['texts' => $texts, 'tokens' => [$tokens['access_token'], $tokens['refresh_token']]];
}

function poison(array $attack): array
{
    $platform = null;
    $creds = $attack['creds'];
    $outcomes = [outcome(static function () use ($attack, $creds, &$platform): void {
        $platform = (new RCSDK($creds['app_key'], expand($attack['app_secret']), $attack['server']))->getPlatform();
    })];
    if ($platform !== null) {
        $outcomes[] = outcome(static fn () => $platform->loginJwt(expand($attack['jwt'])));
        $outcomes[] = outcome(static fn () => $platform->loginJwt($creds['jwt']));
        $outcomes[] = outcome(static fn () => $platform->get('/restapi/v1.0/no-such-resource'));
    }
    return ['outcomes' => $outcomes];
}

$ops = [
    'row' => 'row',
    'file_login' => 'fileLogin',
    'file_use' => 'fileUse',
    'fifo' => 'fifo',
    'serialize' => 'serializeAll',
    'poison' => 'poison',
];
$hello = ['hello' => 'php', 'package' => (new \ReflectionClass(RCSDK::class))->getFileName(), 'version' => \Rcsdk\Constants::VERSION];
echo json_encode($hello, JSON_OUT), "\n";
while (($line = fgets(STDIN)) !== false) {
    $attack = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
    echo json_encode($ops[$attack['op']]($attack), JSON_OUT), "\n";
}
