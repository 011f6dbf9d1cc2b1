# Reference values for the demo studies' survival views, computed by R from nothing but the ADTTE the registry exports.
# Run from the repository root:  Rscript tests/Registry.Api.Tests/R/adtte_check.R
# Input:  tests/Registry.Api.Tests/Fixtures/adtte/CODE-adtte.csv (GET /api/studies/{id}/datasets/adtte.csv of each demo
#         study, written by Datasets/AdtteAgainstRTests with REGISTRY_WRITE_FIXTURES=1) and each study's protocol
#         (src/Registry.Demo/Protocols/*.json) for its arms and analysis plan.
# Output: tests/Registry.Api.Tests/Fixtures/adtte/adtte-r.json: per study and endpoint (PARAMCD), Kaplan-Meier n, events
#         and median with its 95% CI (days) and the survival at the protocol's landmarks (months of 30.4375 days) per arm
#         and per group the plan compares, and for each of the plan's
#         comparisons coxph (Efron ties) HR, Wald CI and p, and survdiff's log-rank p, stratified as the plan says.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
fixtures <- "tests/Registry.Api.Tests/Fixtures/adtte"

# A group named in the plan: a pooled group it defines, else arm codes joined by '+'.
arms_of <- function(group, plan) {
  if (!is.null(plan$pooled[[group]])) return(unlist(plan$pooled[[group]]))
  strsplit(group, "+", fixed = TRUE)[[1]]
}

# The comparisons the registry answers when none is named: the plan's, else each arm against the plan's reference,
# else the second arm against the first (StudyViewQueries.PlannedPairs).
planned <- function(protocol) {
  plan <- protocol$analysis
  arms <- protocol$arms$code
  if (length(plan$comparisons) > 0) return(lapply(seq_len(nrow(plan$comparisons)), function(i) c(plan$comparisons$arm[i], plan$comparisons$reference[i])))
  if (!is.null(plan$reference)) return(lapply(setdiff(arms, plan$reference), function(a) c(a, plan$reference)))
  if (length(arms) == 2) return(list(c(arms[2], arms[1])))
  list()
}

# ADSL/ADTTE name of a dictionary variable's group: its key in capitals without punctuation, then GR1.
group_column <- function(key) paste0(toupper(gsub("[^A-Za-z0-9]", "", key)), "GR1")

months <- 30.4375

km <- function(rows, landmarks) {
  fit <- survfit(Surv(AVAL, CNSR == 0) ~ 1, data = rows)
  tab <- summary(fit)$table
  at <- summary(fit, times = landmarks * months, extend = TRUE)
  # Past the last follow-up S(t) is unknown (NA), unless every patient had the event and the curve stays at 0.
  beyond <- landmarks * months > max(fit$time) & min(fit$surv) > 0
  list(n = unname(tab["records"]), events = unname(tab["events"]),
       median = unname(tab["median"]), lower = unname(tab["0.95LCL"]), upper = unname(tab["0.95UCL"]),
       landmarks = lapply(seq_along(landmarks), function(i) list(
         months = landmarks[i], survival = if (beyond[i]) NA else at$surv[i],
         lower = if (beyond[i]) NA else at$lower[i], upper = if (beyond[i]) NA else at$upper[i])))
}

compare <- function(rows, experimental, reference, strata) {
  rows <- rows[rows$ARMCD %in% c(experimental, reference), ]
  rows$x <- as.integer(rows$ARMCD %in% experimental)
  control <- suppressWarnings(coxph.control(eps = 1e-12, iter.max = 50))
  if (is.null(strata)) {
    fit <- coxph(Surv(AVAL, CNSR == 0) ~ x, data = rows, ties = "efron", control = control)
    lr <- survdiff(Surv(AVAL, CNSR == 0) ~ x, data = rows)
  } else {
    rows$s <- rows[[strata]]
    fit <- coxph(Surv(AVAL, CNSR == 0) ~ x + strata(s), data = rows, ties = "efron", control = control)
    lr <- survdiff(Surv(AVAL, CNSR == 0) ~ x + strata(s), data = rows)
  }
  ci <- summary(fit)$conf.int
  list(n = nrow(rows), events = sum(rows$CNSR == 0),
       hr = unname(exp(coef(fit))), lower = unname(ci[1, "lower .95"]), upper = unname(ci[1, "upper .95"]),
       p = unname(summary(fit)$coefficients[1, "Pr(>|z|)"]), logRankP = 1 - pchisq(lr$chisq, 1))
}

studies <- list()
for (file in sort(Sys.glob("src/Registry.Demo/Protocols/*.json"))) {
  protocol <- fromJSON(file)
  adtte <- read.csv(file.path(fixtures, paste0(protocol$code, "-adtte.csv")), stringsAsFactors = FALSE, encoding = "UTF-8")
  plan <- protocol$analysis
  # The comparisons view stratifies by the plan's first stratifyBy variable unless asked otherwise.
  strata <- if (length(plan$stratifyBy) > 0) group_column(plan$stratifyBy[1]) else NULL
  landmarks <- if (length(protocol$landmarks) > 0) protocol$landmarks else c(6, 12, 24)
  pairs <- planned(protocol)
  groups <- unique(c(protocol$arms$code, unlist(pairs)))
  endpoints <- list()
  for (code in unique(adtte$PARAMCD)) {
    rows <- adtte[adtte$PARAMCD == code, ]
    medians <- list()
    for (g in groups) medians[[g]] <- km(rows[rows$ARMCD %in% arms_of(g, plan), ], landmarks)
    comparisons <- lapply(pairs, function(p) c(list(arm = p[1], reference = p[2], strata = if (is.null(strata)) NULL else plan$stratifyBy[1]),
                                               compare(rows, arms_of(p[1], plan), arms_of(p[2], plan), strata)))
    endpoints[[tolower(code)]] <- list(medians = medians, comparisons = comparisons)
  }
  studies[[protocol$code]] <- endpoints
}
result <- list(r = R.version.string, survival = as.character(packageVersion("survival")), studies = studies)
write_json(result, file.path(fixtures, "adtte-r.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null")
