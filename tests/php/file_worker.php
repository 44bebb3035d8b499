<?php

declare(strict_types=1);

// A long-lived PHP worker of the mixed file-store race (tests/test_file_mixed.py): for each line
// "go <offset>" it moves its clock to now + offset seconds (the platform's clock moves with it),
// makes one call through the FileTokenStore RC_STORE, and prints one JSON line.

require getenv('RCSDK_PHP_AUTOLOAD') ?: __DIR__ . '/../../build/php/vendor/autoload.php';

use Rcsdk\Event;
use Rcsdk\FileTokenStore;
use Rcsdk\RCSDK;
use Rcsdk\RCSDKError;

$offset = 0.0;
$platform = (new RCSDK(
    (string) getenv('RC_APP_KEY'),
    (string) getenv('RC_APP_SECRET'),
    (string) getenv('RC_SERVER'),
    store: new FileTokenStore((string) getenv('RC_STORE')),
    clock: function () use (&$offset): float {
        return microtime(true) + $offset;
    },
))->getPlatform();
$refreshes = 0;
$platform->on(Event::REFRESH_SUCCESS, function () use (&$refreshes): void {
    $refreshes++;
});
echo "ready\n";
while (($line = fgets(STDIN)) !== false) {
    $offset = (float) explode(' ', trim($line))[1];
    $error = null;
    try {
        $platform->readExtension();
    } catch (RCSDKError $caught) {
        $error = get_class($caught) . ': ' . $caught->getMessage();
    }
    echo json_encode(['language' => 'php', 'error' => $error, 'refreshes' => $refreshes]), "\n";
}
