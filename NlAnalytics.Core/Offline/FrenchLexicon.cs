namespace NlAnalytics.Core.Offline;

/// <summary>
/// Every French word the offline writer knows (folded: lowercase, no accents). Schemas are usually
/// written in English, so generic nouns are also translated to the English words a schema would use.
/// </summary>
internal static class FrenchLexicon
{
    public static Lexicon Instance { get; } = Build();

    private static Lexicon Build()
    {
        var cues = new Dictionary<string, Cue>();
        void Add(CueKind kind, string? argument, params string[] phrases)
        {
            foreach (var phrase in phrases) cues[phrase] = new Cue(kind, argument);
        }

        Add(CueKind.Count, null, "combien", "combien de", "combien d", "nombre de", "nombre d", "le nombre de", "compte", "compter");
        Add(CueKind.Sum, null, "somme", "somme de", "somme des", "total des", "total de", "totale");
        Add(CueKind.Cumulative, null, "cumul", "cumule", "cumulee", "cumules");
        Add(CueKind.Average, null, "moyenne", "moyen", "moyenne de", "moyenne des", "en moyenne");
        Add(CueKind.Min, null, "minimum", "minimal", "minimale", "plus petit", "plus petite");
        Add(CueKind.Max, null, "maximum", "maximal", "maximale", "plus grand", "plus grande");
        Add(CueKind.Distinct, null, "distincts", "distinctes", "differents", "differentes", "uniques");
        Add(CueKind.GroupBy, null, "par", "pour chaque", "selon", "chaque", "ventile par", "reparti par", "repartition par");
        Add(CueKind.Top, null, "les meilleurs", "meilleurs", "meilleures", "premiers", "premieres", "principaux", "principales");
        Add(CueKind.Bottom, null, "derniers", "dernieres", "pires");
        Add(CueKind.Most, null, "le plus de", "la plus", "le plus", "les plus");
        Add(CueKind.Least, null, "le moins de", "le moins", "la moins", "les moins");
        Add(CueKind.Highest, null, "plus eleve", "plus elevee", "plus eleves", "plus elevees", "le plus eleve", "la plus elevee");
        Add(CueKind.Lowest, null, "plus bas", "plus basse", "plus faible", "le plus bas", "la plus basse");
        Add(CueKind.Ascending, null, "croissant", "ordre croissant");
        Add(CueKind.Descending, null, "decroissant", "ordre decroissant");
        Add(CueKind.Greater, null, "plus de", "plus d", "superieur a", "superieure a", "au dessus de", "depassant");
        Add(CueKind.Less, null, "moins de", "moins d", "inferieur a", "inferieure a", "en dessous de", "sous");
        Add(CueKind.AtLeast, null, "au moins");
        Add(CueKind.AtMost, null, "au plus", "au maximum");
        Add(CueKind.Between, null, "entre");
        Add(CueKind.And, null, "et", "ou", "contre");
        Add(CueKind.Not, null, "pas", "sauf", "hors", "excepte", "non", "sans", "autre que", "autres que");
        Add(CueKind.Share, null, "part", "part de", "part des", "pourcentage", "pourcentage de", "proportion", "proportion de", "taux de");
        Add(CueKind.Ratio, null, "rapport", "ratio");
        Add(CueKind.Growth, null, "croissance", "evolution", "progression", "augmentation", "variation", "hausse", "baisse");
        Add(CueKind.Compare, null, "comparer", "comparaison");
        Add(CueKind.Since, null, "depuis", "a partir de", "a partir d");
        Add(CueKind.After, null, "apres");
        Add(CueKind.Before, null, "avant", "jusqu a", "jusqu en");
        Add(CueKind.From, null, "de", "du", "des");
        Add(CueKind.To, null, "a", "au");
        Add(CueKind.During, null, "en", "pendant", "dans", "pour", "durant");
        Add(CueKind.Last, null, "derniere", "dernier", "derniers jours", "passe", "passee", "precedent", "precedente");
        Add(CueKind.This, null, "cette", "cet", "ce", "courant", "courante", "en cours");
        Add(CueKind.Latest, null, "plus recent", "plus recente");
        Add(CueKind.Grain, "day", "jour", "jours", "date");
        Add(CueKind.Grain, "weekday", "jour de la semaine", "jours de la semaine");
        Add(CueKind.GrainAdjective, "weekday", "par jour de la semaine");
        Add(CueKind.Grain, "week", "semaine", "semaines");
        Add(CueKind.Grain, "month", "mois");
        Add(CueKind.Grain, "quarter", "trimestre", "trimestres");
        Add(CueKind.Grain, "year", "annee", "annees", "ans");
        Add(CueKind.GrainAdjective, "day", "quotidien", "quotidienne", "par jour");
        Add(CueKind.GrainAdjective, "week", "hebdomadaire", "par semaine");
        Add(CueKind.GrainAdjective, "month", "mensuel", "mensuelle", "par mois");
        Add(CueKind.PeriodOverPeriod, "month", "d un mois a l autre", "par rapport au mois precedent", "mois apres mois", "sur le mois precedent");
        Add(CueKind.PeriodOverPeriod, "year", "d une annee a l autre", "par rapport a l annee precedente", "annee apres annee", "sur l annee precedente");
        Add(CueKind.GrainAdjective, "quarter", "trimestriel", "trimestrielle", "par trimestre");
        Add(CueKind.GrainAdjective, "year", "annuel", "annuelle", "par an", "par annee");
        Add(CueKind.OverTime, null, "dans le temps", "au fil du temps", "tendance", "historique");
        string[] months = ["janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre", "decembre"];
        for (var m = 0; m < 12; m++) Add(CueKind.Month, (m + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), months[m]);
        Add(CueKind.Quarter, "1", "premier trimestre", "t1");
        Add(CueKind.Quarter, "2", "deuxieme trimestre", "t2");
        Add(CueKind.Quarter, "3", "troisieme trimestre", "t3");
        Add(CueKind.Quarter, "4", "quatrieme trimestre", "t4");
        Add(CueKind.Chart, "line", "en courbe", "courbe", "graphique en ligne");
        Add(CueKind.Chart, "bar", "en barres", "barres", "histogramme");
        Add(CueKind.Chart, "donut", "camembert", "en camembert", "anneau");
        Add(CueKind.Chart, "table", "en tableau", "tableau");
        Add(CueKind.Only, null, "seulement", "uniquement", "que", "qu", "juste");
        Add(CueKind.Instead, null, "plutot", "a la place");
        Add(CueKind.Also, null, "aussi", "egalement");
        Add(CueKind.List, null, "liste", "liste des", "montre", "montre moi", "affiche", "donne moi", "tous les", "toutes les");
        Add(CueKind.Which, null, "quel", "quelle", "quels", "quelles", "qui");
        Add(CueKind.When, null, "quand", "depuis quand");
        Add(CueKind.Unit, "60", "minute", "minutes");
        Add(CueKind.Unit, "3600", "heure", "heures");
        Add(CueKind.FollowUp, null, "et pour", "et en", "et si", "et avec", "et les", "et la", "et le", "qu en est il", "meme chose pour", "maintenant");
        Add(CueKind.Multiplier, "1000", "mille");
        Add(CueKind.Multiplier, "1000000", "million", "millions");
        Add(CueKind.Multiplier, "1000000000", "milliard", "milliards");
        string[] numbers = ["zero", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix"];
        for (var n = 2; n < numbers.Length; n++) Add(CueKind.NumberWord, n.ToString(System.Globalization.CultureInfo.InvariantCulture), numbers[n]);
        Add(CueKind.NumberWord, "20", "vingt");
        Add(CueKind.With, null, "avec", "ayant", "dont");

        return new Lexicon
        {
            Language = "fr",
            Cues = cues,
            Stopwords = new HashSet<string>(
            [
                "le", "la", "les", "l", "un", "une", "d", "y", "a", "il", "elle", "ils", "elles", "on", "est", "sont", "etait", "etaient",
                "ont", "avait", "quel", "quelle", "quels", "quelles", "qu", "que", "qui", "moi", "nous", "vous", "s", "il", "te", "me",
                "stp", "svp", "merci", "bonjour", "donne", "donner", "montrer", "afficher", "trouver", "inscrits", "inscrites", "total",
                "au", "aux", "sur", "cette", "ce", "ces", "leur", "leurs", "son", "sa", "ses", "tout", "tous", "toutes", "toute", "chez",
                "fait", "faits", "eu", "inscrit", "inscrite", "valeur", "valeurs", "nombre",
            ]),
            Synonyms = new Dictionary<string, string[]>
            {
                ["revenu"] = ["revenue", "income"], ["revenus"] = ["revenue", "income"], ["montant"] = ["amount"], ["montants"] = ["amount"],
                ["prix"] = ["price"], ["duree"] = ["duration"], ["annee"] = ["year"], ["statut"] = ["status"],
            },
            NonAdditive = new HashSet<string>(["prix", "taux", "age", "note", "remise", "duree", "moyenne"]),
            CountCommentMarkers = ["nombre de", "nombre d", "effectif"],
            AggregateTableWords = new HashSet<string>(["statistiques", "effectifs", "totaux", "chiffres"]),
        };
    }
}
