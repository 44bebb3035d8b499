<?php
// Copied verbatim from templates/php/src/Ledger.php by rcsdk's generator.
// Do not edit: change templates/php/src/Ledger.php and run `make generate`.

declare(strict_types=1);

namespace Rcsdk;

/**
 * Client's bookkeeping of its tokens: the ones in use, and what the store holds (the PHP twin of
 * the Python client's TokenLedger).
 *
 * Tokens the platform issued are used at once and then written to the store. A write the store
 * refuses leaves them in use, remembered as *unsaved* together with the refresh token the store
 * held at the time; they are written at the next chance, unless the store has newer tokens by
 * then (another process rotated them meanwhile: theirs win). Only a Client uses it: Client
 * decides when to refresh, and holds the store's lock around every method here that reads or
 * writes the store.
 *
 * With a store that numbers its writes (FencedTokenStore: RedisTokenStore), the store's
 * generation orders tokens, never a clock: refreshed tokens are written only over the generation
 * they were refreshed from (a worker paused past its lease adopts the newer ones), and a key the
 * store lost is written back from valid tokens in memory (the first writer wins). `generation`
 * counts the changes of the tokens in use; Client recognises another process's refresh by it,
 * never by comparing token strings (docs/FLEET.md).
 */
trait Ledger
{
    private ?AuthState $state = null;
    private bool $unsaved = false;
    /** What the store held when it refused our tokens: its refresh token, or its generation. */
    private ?string $unsavedOver = null;
    /** Counts the changes of the tokens in use. */
    private int $generation = 0;
    /** A fenced store's generation when last read or written (null: the key does not exist). */
    private ?string $storedGeneration = null;

    /**
     * The tokens and their expiry times, in the format the Python and JavaScript clients use
     * too (`[]` when logged out); setAuthData() takes it back exactly.
     *
     * @return array<string, mixed>
     */
    public function getAuthData(): array
    {
        $state = $this->current();
        return $state !== null ? $state->toJson() : [];
    }

    /**
     * Restore what getAuthData() returned (`[]` or null log out locally).
     * Throws AuthDataError for data of an unknown version or shape.
     *
     * @param array<string, mixed>|null $data
     */
    public function setAuthData(#[\SensitiveParameter] ?array $data): void
    {
        $state = AuthState::fromJson($data);
        $this->reportStore($this->store->synchronized(fn (): ?TokenStoreError => $this->keep($state, FencedTokenStore::ANY)));
    }

    /** Whether calls can be authorized without a new login (valid or refreshable tokens). No request. */
    public function isAuthorized(): bool
    {
        $state = $this->current();
        return $state !== null && $state->usable($this->now());
    }

    protected function current(): ?AuthState
    {
        return $this->state ?? $this->reload();
    }

    /** Read the store: another process may have written newer tokens. */
    private function reload(): ?AuthState
    {
        $fenced = $this->store instanceof FencedTokenStore ? $this->store : null;
        $generation = null;
        try {
            if ($fenced !== null) {
                [$data, $generation] = $fenced->loadGeneration();
            } else {
                $data = $this->store->load();
            }
        } catch (TokenStoreError $error) {
            if ($this->state === null) {
                throw $error;
            }
            // The store cannot be read at all (a directory in its place, a permission, Redis
            // down): go on with the tokens in memory, to be written once it can be used again.
            if (!$this->unsaved) {
                [$this->unsaved, $this->unsavedOver] = [true, $fenced !== null ? $this->storedGeneration : $this->state->token->refreshToken];
                $this->log('warning', 'rcsdk: tokens kept in memory, the store cannot be read: ' . $this->redactor->text($error->getMessage()));
                $this->reportStore($error);
            }
            return $this->state;
        }
        try {
            $state = AuthState::fromJson($data);
            $unusable = false;
        } catch (AuthDataError $error) {
            if (!$this->unsaved) {
                throw $error;
            }
            [$state, $unusable] = [null, true]; // content nobody can use: ours replace it
        }
        if ($fenced !== null) {
            if ($unusable) {
                $this->reportStore($this->keep($this->state, FencedTokenStore::ANY));
            } elseif ($generation === null && $this->state !== null) {
                // The key is gone, not logged out (Redis restarted empty, FLUSHALL, eviction):
                // write the tokens in memory back; the first writer wins, the others adopt.
                $this->reportStore($this->keep($this->state, null));
            } elseif ($this->unsaved) {
                // Written only over what they replace: a newer generation wins, whatever the
                // clocks say (a paused worker's late pair is refused; it adopts the store's).
                $this->reportStore($this->keep($this->state, $this->unsavedOver));
            } else {
                $this->storedGeneration = $generation;
                $this->useState($state);
            }
            return $this->state;
        }
        if ($this->unsaved) {
            // Tokens the store refused: write them now, unless the store has newer tokens by now
            // (a login, or the same rotation). Older ones another process wrote when the store
            // came back (it got them as a grace-period reuse) give way to ours.
            if (
                $unusable
                || $state === null // the store holds nothing: ours fill it (as in Python)
                || $state->token->refreshToken === $this->unsavedOver
                || $this->state?->issuedAfter($state) === true
            ) {
                $this->reportStore($this->keep($this->state));
                return $this->state;
            }
            $this->unsaved = false;
        }
        $this->useState($state);
        return $state;
    }

    /** Use `$state`; the same tokens read back keep their generation. */
    private function useState(?AuthState $state): void
    {
        if ($state === null ? $this->state !== null : $this->state === null || $state->toJson() != $this->state->toJson()) {
            $this->generation++;
        }
        $this->state = $state;
        if ($state !== null) {
            $this->redactor->addTokens($state->token->accessToken, $state->token->refreshToken, $state->token->idToken);
        }
    }

    /**
     * Use tokens, and save them (callers hold the store's lock). A fenced store writes them only
     * over generation `$expected` (false: the one last read; null: none, a lost key;
     * FencedTokenStore::ANY: anything) and, refused, has its tokens adopted. A failed save keeps
     * them in use, to be written later; the first failure of a run of them is returned (for
     * Event::STORE_ERROR, reported once per run as in Python), never thrown.
     */
    private function keep(?AuthState $state, string|null|false $expected = false): ?TokenStoreError
    {
        $fenced = $this->store instanceof FencedTokenStore ? $this->store : null;
        $wanted = $expected === false ? $this->storedGeneration : $expected;
        $replaced = $this->unsaved ? $this->unsavedOver : ($fenced !== null ? $wanted : $this->state?->token->refreshToken);
        $this->useState($state);
        try {
            try {
                if ($fenced !== null) {
                    [$written, $held, $generation] = $fenced->saveIf($state?->toJson(), $wanted);
                    if (!$written && $generation === null && $state !== null) {
                        // The key was lost since it was read: ours are the tokens to write back.
                        [$written, $held, $generation] = $fenced->saveIf($state->toJson(), null);
                    }
                    $this->storedGeneration = $generation;
                    if (!$written) {
                        $this->useState(AuthState::fromJson($held));
                    }
                } else {
                    $this->store->save($state?->toJson());
                }
            } catch (TokenStoreError|AuthDataError $raised) {
                throw $raised instanceof TokenStoreError ? $raised : new TokenStoreError($raised->getMessage());
            } catch (\Throwable $raised) {
                // A store of the application's own may throw anything: the tokens are kept.
                throw new TokenStoreError(
                    $this->redactor->text('could not write the token store: ' . get_class($raised) . ': ' . $raised->getMessage()),
                );
            }
        } catch (TokenStoreError $error) {
            if ($this->unsaved) {
                return null; // reported at the first failure of this run of them
            }
            [$this->unsaved, $this->unsavedOver] = [true, $replaced];
            $this->log('warning', 'rcsdk: tokens kept in memory, the store did not take them: ' . $this->redactor->text($error->getMessage()));
            return $error;
        }
        $this->unsaved = false;
        $this->unsavedOver = null;
        return null;
    }

    private function reportStore(?TokenStoreError $error): void
    {
        if ($error !== null) {
            $this->emit(Event::STORE_ERROR, $error);
        }
    }
}
