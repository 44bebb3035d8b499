<?php
// Copied verbatim from templates/php/src/Emitter.php by rcsdk's generator.
// Do not edit: change templates/php/src/Emitter.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/** Listeners of a platform's events. A listener that throws is logged, never allowed to break a call. */
final class Emitter
{
    /** @var array<string, array<int, callable>> */
    private array $listeners = [];
    private int $next = 0;

    /** @param null|\Closure(string, string): void $log */
    public function __construct(private readonly ?\Closure $log = null)
    {
    }

    /** Call `$listener($payload)` on `$event`; returns a function that removes it. */
    public function on(string $event, callable $listener): \Closure
    {
        $key = Event::parse($event);
        $id = $this->next++;
        $this->listeners[$key][$id] = $listener;
        return function () use ($key, $id): void {
            unset($this->listeners[$key][$id]);
        };
    }

    public function emit(string $event, mixed $payload = null): void
    {
        foreach ($this->listeners[$event] ?? [] as $listener) {
            try {
                $listener($payload);
            } catch (\Throwable $error) {
                if ($this->log !== null) {
                    ($this->log)('error', "rcsdk: a {$event} listener threw " . get_class($error));
                }
            }
        }
    }
}
