using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>A fresh, migrated app database on the test cluster.</summary>
public static class AppDatabase
{
    public static async Task<IDbContextFactory<AppDbContext>> CreateAsync(string prefix = "app")
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(prefix);
        var options = new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(connectionString).Options;
        var factory = new PooledDbContextFactory<AppDbContext>(options);
        await using var context = await factory.CreateDbContextAsync();
        await context.Database.MigrateAsync();
        return factory;
    }

    public static async Task<string> AddUserAsync(IDbContextFactory<AppDbContext> factory, string email)
    {
        await using var context = await factory.CreateDbContextAsync();
        var user = new AppUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant() };
        context.Users.Add(user);
        await context.SaveChangesAsync();
        return user.Id;
    }
}
