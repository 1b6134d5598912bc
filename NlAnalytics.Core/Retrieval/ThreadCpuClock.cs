using System.Runtime.InteropServices;

namespace NlAnalytics.Core.Retrieval;

/// <summary>
/// CPU time consumed by the calling thread, with nanosecond resolution (clock_gettime with
/// CLOCK_THREAD_CPUTIME_ID; getrusage only counts scheduler ticks of 4 ms). On a machine shared with
/// other work, wall-clock latency mostly measures waiting for a core; the CPU time is what a query
/// itself costs. Linux only; elsewhere <see cref="IsSupported"/> is false.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    public static bool IsSupported { get; } = TryRead(out _);

    public static TimeSpan Now() => TryRead(out var value) ? value : TimeSpan.Zero;

    private static bool TryRead(out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            if (clock_gettime(ClockThreadCpuTimeId, out var time) != 0)
                return false;
            value = TimeSpan.FromTicks(time.Seconds * TimeSpan.TicksPerSecond + time.Nanoseconds / 100);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // DllImport rather than LibraryImport: the generated marshaller needs unsafe code, which the project does not allow.
    [DllImport("libc")]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
