<?php

declare(strict_types=1);

// A PHP worker of a mixed fleet on one Redis key (tests/test_redis_mixed.py): calls the API for
// RC_DURATION seconds through RedisTokenStore (RC_REDIS, RC_KEY) against the local platform
// (RC_SERVER, RC_APP_KEY, RC_APP_SECRET), one caller (PHP has no threads). Never logs in: it uses
// the session the store holds. Prints "ready", waits for a line, then one JSON line.

require getenv('RCSDK_PHP_AUTOLOAD') ?: __DIR__ . '/../../build/php/vendor/autoload.php';

use Rcsdk\Event;
use Rcsdk\RCSDK;
use Rcsdk\RCSDKError;
use Rcsdk\RedisTokenStore;

$env = static fn (string $name): string => (string) getenv($name);
$store = new RedisTokenStore($env('RC_KEY'), url: $env('RC_REDIS'), lease: (float) ($env('RC_LEASE') ?: '2'));
// The pid in the User-Agent: the chaos test's platform signals the sender of a refresh.
$platform = (new RCSDK($env('RC_APP_KEY'), $env('RC_APP_SECRET'), $env('RC_SERVER'), store: $store, refreshMargin: 0.5, userAgent: 'fleet-worker/' . getmypid()))->getPlatform();
$seen = ['refreshes' => 0, 'refreshErrors' => 0, 'violations' => 0];
$platform->on(Event::REFRESH_SUCCESS, function () use (&$seen): void {
    $seen['refreshes']++;
});
$platform->on(Event::REFRESH_ERROR, function () use (&$seen): void {
    $seen['refreshErrors']++;
});
$platform->on(Event::ACCESS_VIOLATION, function () use (&$seen): void {
    $seen['violations']++;
});

echo "ready\n";
fgets(STDIN);
// failures: every failed call as [when (epoch seconds), error], for the chaos test's windows.
$outcome = ['calls' => 0, 'failed' => 0, 'errors' => [], 'failures' => []];
$deadline = microtime(true) + (float) $env('RC_DURATION');
while (microtime(true) < $deadline) {
    try {
        $platform->readExtension();
        $outcome['calls']++;
    } catch (RCSDKError $error) {
        $outcome['failed']++;
        if (count($outcome['errors']) < 5) {
            $outcome['errors'][] = get_class($error) . ': ' . $error->getMessage();
        }
        $outcome['failures'][] = [microtime(true), get_class($error) . ': ' . $error->getMessage()];
    }
    usleep(50_000); // pacing of the load
}
echo json_encode(['language' => 'php', ...$outcome, ...$seen, 'auth' => $platform->getAuthData()]), "\n";
