<?php

declare(strict_types=1);

// One scenario per operation, from generated/scenarios.json (made from the spec's `kind` and
// `after:`), as tests/_scenarios.py runs them for Python: run by the parity runner
// (tests/_parity.py) against a loopback replay of the operation's cassette.
// Usage: RCSDK_PHP_AUTOLOAD=/path/to/vendor/autoload.php RC_SERVER=... php scenario.php NAME [scenarios.json]

require getenv('RCSDK_PHP_AUTOLOAD') ?: __DIR__ . '/../../build/php/vendor/autoload.php';

use Rcsdk\InvalidGrantError;
use Rcsdk\Platform;
use Rcsdk\RCSDK;

$env = getenv();
$platform = (new RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $env['RC_SERVER'], maxRetries: 0))->getPlatform();
$file = $argv[2] ?? __DIR__ . '/../../generated/scenarios.json';
$generated = [];
foreach (json_decode((string) file_get_contents($file), true, flags: JSON_THROW_ON_ERROR)['scenarios'] as $scenario) {
    $generated[$scenario['name']] = $scenario;
}

/**
 * Each step with the arguments its variables give (or the browser step before it handed on),
 * passed by name.
 *
 * @param array<string, mixed> $scenario
 * @param array<string, string> $values
 */
function run(array $scenario, Platform $p, array $values): mixed
{
    $handed = [];
    $result = null;
    foreach ($scenario['steps'] as $step) {
        $arguments = [];
        foreach ($step['arguments'] as $arg) {
            $value = $handed[$arg['name']] ?? $values[$arg['env']] ?? null;
            if ($value !== null) {
                $arguments[$arg['php']] = $value;
            }
        }
        $result = $p->{$step['php']}(...$arguments);
        if ($step['kind'] === 'browser') {
            // The browser's part: the platform redirects at once, with the code.
            $curl = curl_init($result->url);
            curl_setopt_array($curl, [CURLOPT_RETURNTRANSFER => true, CURLOPT_HEADER => true]);
            preg_match('/^location: (.*)$/mi', (string) curl_exec($curl), $m);
            parse_str((string) parse_url(trim($m[1] ?? ''), PHP_URL_QUERY), $query);
            $handed = [
                'code' => (string) $query['code'],
                'code_verifier' => $result->codeVerifier,
                'redirect_uri' => $result->redirectUri,
            ];
        } elseif ($step['kind'] === 'revoke') {
            $result = $p->isAuthorized();
        }
    }
    return $result;
}

$scenarios = [];
foreach ($generated as $name => $scenario) {
    $scenarios[$name] = static fn (Platform $p) => run($scenario, $p, $env);
}
// The error case, written by hand here as in the Python and JavaScript runners.
$scenarios['authorize-wrong-password'] = static function (Platform $p) use ($generated, $env) {
    try {
        run($generated['authorize'], $p, ['RC_PASSWORD' => 'not-the-password'] + $env);
    } catch (InvalidGrantError $error) {
        return $error->errorCodes;
    }
    throw new RuntimeException('a wrong password was accepted');
};

$name = $argv[1] ?? '';
if (!isset($scenarios[$name])) {
    fwrite(STDERR, "unknown scenario {$name}; known: " . implode(', ', array_keys($scenarios)) . "\n");
    exit(2);
}
$scenarios[$name]($platform);
echo "ok\n";
