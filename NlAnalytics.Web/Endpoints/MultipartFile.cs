namespace NlAnalytics.Web.Endpoints;

/// <summary>The file of a multipart request in its field <c>file</c>, read by the handler itself so a bad form gets problem details that say what is wrong.</summary>
internal static class MultipartFile
{
    /// <summary>The form and its file, or why there is none: <paramref name="what"/> names what the field should hold ("the document").</summary>
    public static async Task<(IFormCollection? Form, IFormFile? File, string? Error)> ReadAsync(HttpRequest request, string what, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
            return (null, null, $"Send {what} as multipart/form-data in a field named 'file'.");
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            return (null, null, $"The form cannot be read: {ex.Message}");
        }
        return form.Files.GetFile("file") is { } file
            ? (form, file, null)
            : (form, null, $"The form has no field named 'file' holding {what}.");
    }
}
