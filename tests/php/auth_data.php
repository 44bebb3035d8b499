<?php

declare(strict_types=1);

// The PHP half of the cross-language auth data tests (tests/test_php.py).
//   set-call-get: auth data (another client's getAuthData()) on stdin -> setAuthData, a call, a
//                 refresh; prints getAuthData() for the next client to take.
//   store-call:   a FileTokenStore at RC_STORE (written by another client) -> a call and a refresh
//                 through it; the store then holds the rotated tokens.
//   store-login:  log in with RC_JWT into the FileTokenStore at RC_STORE.
//   store-use:    a call with the FileTokenStore at RC_STORE (another origin's session, when
//                 RC_SERVER is another server); prints the error's class and message.

require getenv('RCSDK_PHP_AUTOLOAD') ?: __DIR__ . '/../../build/php/vendor/autoload.php';

use Rcsdk\FileTokenStore;
use Rcsdk\RCSDK;

$env = getenv();
$mode = $argv[1] ?? '';
$options = str_starts_with($mode, 'store-') ? ['store' => new FileTokenStore($env['RC_STORE'])] : [];
$platform = (new RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $env['RC_SERVER'], ...$options))->getPlatform();
if ($mode === 'store-login') {
    $platform->loginJwt($env['RC_JWT']);
    echo json_encode(['ok' => true]), "\n";
    exit(0);
}
if ($mode === 'store-use') {
    try {
        $platform->readExtension();
        echo json_encode(['error' => null]), "\n";
    } catch (\Rcsdk\RCSDKError $error) {
        $name = substr(strrchr(get_class($error), '\\') ?: '', 1);
        echo json_encode(['error' => $name, 'message' => $error->getMessage(), 'authorized' => $platform->isAuthorized()], JSON_UNESCAPED_SLASHES), "\n";
    }
    exit(0);
}
if ($mode === 'set-call-get') {
    $platform->setAuthData(json_decode((string) stream_get_contents(STDIN), true, 64, JSON_THROW_ON_ERROR));
}
$extension = $platform->readExtension();
$before = $platform->getAuthData()['token']['refresh_token'];
$platform->refresh();
$after = $platform->getAuthData();
if ($after['token']['refresh_token'] === $before) {
    throw new RuntimeException('the refresh did not rotate the tokens');
}
echo json_encode(['extension' => $extension->id, 'auth' => $after], JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION), "\n";
