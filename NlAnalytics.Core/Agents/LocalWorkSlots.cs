using Microsoft.Extensions.Options;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// How many offline answers do their in-process work at once: one per processor (at least 2) unless
/// Analyst:LocalWorkSlots says otherwise (docs/decisions/0038). An offline answer is all CPU and app-database round
/// trips but for its query, so past the cores more of them at once answer no more per second: each only waits longer
/// for a processor inside its own steps and round trips. The query runs outside the slot (the executor agent gives it
/// back for the database run and takes it again after), so queries keep the source pool's concurrency. Answers that may call a model take no slot: they spend most
/// of their time waiting on it.
/// </summary>
public sealed class LocalWorkSlots : IDisposable
{
    private static readonly AsyncLocal<Slot?> Held = new();
    private readonly SemaphoreSlim _slots;

    public LocalWorkSlots(IOptions<AnalystOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Count = options.Value.LocalWorkSlots is > 0 and var configured ? configured : Math.Max(2, Environment.ProcessorCount);
        _slots = new SemaphoreSlim(Count, Count);
    }

    /// <summary>How many answers may work at once.</summary>
    public int Count { get; }

    /// <summary>The slot the calling flow holds (taken by it or by a caller up the stack), if any.</summary>
    public static Slot? Current => Held.Value;

    /// <summary>
    /// Waits for a free slot (first come, first served); the slot becomes <see cref="Current"/> for the calling method
    /// and everything it calls. Not async on purpose: an async method's changes to an AsyncLocal do not reach its caller.
    /// </summary>
    public Task<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        var slot = new Slot(_slots);
        Held.Value = slot;
        return slot.WaitAsync(cancellationToken);
    }

    public void Dispose() => _slots.Dispose();

    /// <summary>One answer's slot: given back for its query (<see cref="Leave"/>), taken again after it (<see cref="ReenterAsync"/>), given back for good on dispose.</summary>
    public sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private readonly Lock _gate = new();
        private bool _held;
        private bool _disposed;

        internal async Task<Slot> WaitAsync(CancellationToken cancellationToken)
        {
            await slots.WaitAsync(cancellationToken);
            lock (_gate)
            {
                // Work outside the slot that outlived its answer (a detached query) takes nothing for good.
                if (_disposed)
                    slots.Release();
                else
                    _held = true;
            }
            return this;
        }

        /// <summary>How long this answer waited to take its slot again after work done outside it.</summary>
        public TimeSpan Requeued { get; private set; }

        /// <summary>
        /// Takes the slot again after <see cref="Leave"/> (nothing when it is held); the wait adds to <see cref="Requeued"/>.
        /// Never called by work done for others (a result cache's factory): an answer waiting for that work holds its own
        /// slot, so the work taking one too could wait for it forever.
        /// </summary>
        public async Task ReenterAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_held)
                    return;
            }
            var waiting = System.Diagnostics.Stopwatch.GetTimestamp();
            await WaitAsync(cancellationToken);
            Requeued += System.Diagnostics.Stopwatch.GetElapsedTime(waiting);
        }

        public void Leave()
        {
            lock (_gate)
            {
                if (!_held)
                    return;
                _held = false;
            }
            slots.Release();
        }

        public void Dispose()
        {
            lock (_gate)
                _disposed = true;
            Leave();
        }
    }
}
