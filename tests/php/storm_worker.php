<?php

declare(strict_types=1);

// One worker of the cross-process refresh storm (tests/test_php.py, bench/): a process with its
// own platform on a shared FileTokenStore (RC_STORE). Prints "ready", waits for "go" on stdin,
// makes RC_CALLS calls, and prints one JSON line: calls made, calls failed, refreshes it did.

require getenv('RCSDK_PHP_AUTOLOAD') ?: __DIR__ . '/../../build/php/vendor/autoload.php';

use Rcsdk\Event;
use Rcsdk\FileTokenStore;
use Rcsdk\RCSDK;
use Rcsdk\RCSDKError;

$env = getenv();
$platform = (new RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $env['RC_SERVER'], store: new FileTokenStore($env['RC_STORE'])))->getPlatform();
$refreshes = 0;
$platform->on(Event::REFRESH_SUCCESS, function () use (&$refreshes): void {
    $refreshes++;
});
echo "ready\n";
fgets(STDIN);
$calls = $failed = 0;
$errors = [];
for ($i = 0; $i < (int) ($env['RC_CALLS'] ?? 1); $i++) {
    $calls++;
    try {
        $platform->readExtension();
    } catch (RCSDKError $error) {
        $failed++;
        $errors[] = get_class($error) . ': ' . $error->getMessage();
    }
}
echo json_encode(['calls' => $calls, 'failed' => $failed, 'refreshes' => $refreshes, 'errors' => $errors]), "\n";
