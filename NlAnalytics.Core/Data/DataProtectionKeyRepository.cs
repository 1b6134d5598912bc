using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;

namespace NlAnalytics.Core.Data;

/// <summary>
/// Keeps the Data Protection key ring in the app database so sign-in cookies survive restarts and are
/// shared by every app instance. (Microsoft.AspNetCore.DataProtection.EntityFrameworkCore is absent here.)
/// </summary>
public sealed class DataProtectionKeyRepository(IDbContextFactory<AppDbContext> contextFactory) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        // IXmlRepository is synchronous by design; the key ring is read rarely and cached by Data Protection.
        using var context = contextFactory.CreateDbContext();
        return context.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id)
            .Select(k => k.Xml).ToList()
            .Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var context = contextFactory.CreateDbContext();
        context.DataProtectionKeys.Add(new DataProtectionKeyRow { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        context.SaveChanges();
    }
}
