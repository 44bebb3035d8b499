<?php

declare(strict_types=1);

// One scenario per client operation, as tests/_scenarios.py has them for Python: run by the
// parity runner (tests/_parity.py) against a loopback replay of the operation's cassette.
// Usage: RCSDK_PHP_AUTOLOAD=/path/to/vendor/autoload.php RC_SERVER=... php scenario.php NAME

require getenv('RCSDK_PHP_AUTOLOAD') ?: __DIR__ . '/../../build/php/vendor/autoload.php';

use Rcsdk\InvalidGrantError;
use Rcsdk\Platform;
use Rcsdk\RCSDK;

$env = getenv();
$platform = (new RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $env['RC_SERVER'], maxRetries: 0))->getPlatform();

$password = static fn (Platform $p, ?string $pw = null) => $p->authorize($env['RC_USERNAME'], $env['RC_EXTENSION'], $pw ?? $env['RC_PASSWORD']);
$jwt = static fn (Platform $p) => $p->loginJwt($env['RC_JWT']);

$scenarios = [
    'authorize' => static fn (Platform $p) => $password($p),
    'login-jwt' => static fn (Platform $p) => $jwt($p),
    'login-auth-code' => static function (Platform $p) use ($env) {
        $request = $p->authorizeUrl($env['RC_REDIRECT_URI']);
        // The browser's part: the platform redirects at once, with the code.
        $curl = curl_init($request->url);
        curl_setopt_array($curl, [CURLOPT_RETURNTRANSFER => true, CURLOPT_HEADER => true, CURLOPT_NOBODY => false]);
        preg_match('/^location: (.*)$/mi', (string) curl_exec($curl), $m);
        parse_str((string) parse_url(trim($m[1] ?? ''), PHP_URL_QUERY), $query);
        return $p->loginAuthCode((string) $query['code'], redirectUri: $request->redirectUri, codeVerifier: $request->codeVerifier);
    },
    'refresh' => static fn (Platform $p) => [$jwt($p), $p->refresh()],
    'logout' => static function (Platform $p) use ($jwt) {
        $jwt($p);
        $p->logout();
        return $p->isAuthorized();
    },
    'read-extension' => static fn (Platform $p) => [$jwt($p), $p->readExtension()],
    'authorize-wrong-password' => static function (Platform $p) use ($password) {
        try {
            $password($p, 'not-the-password');
        } catch (InvalidGrantError $error) {
            return $error->errorCodes;
        }
        throw new RuntimeException('a wrong password was accepted');
    },
];

$name = $argv[1] ?? '';
if (!isset($scenarios[$name])) {
    fwrite(STDERR, "unknown scenario {$name}; known: " . implode(', ', array_keys($scenarios)) . "\n");
    exit(2);
}
$scenarios[$name]($platform);
echo "ok\n";
