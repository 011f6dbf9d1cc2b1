# Reference values for the motivating demo study's (NPC-RM-2L) survival views, from the very rows the registry derives.
# Run from the repository root:  Rscript tests/Registry.Api.Tests/R/demo_study.R
# Input:  tests/Registry.Api.Tests/Fixtures/demo-study-outcomes.csv (one row per analysable patient; times in days
#         from treatment start), written by DemoStudy/DemoStudyFixtureTests with REGISTRY_WRITE_FIXTURES=1
# Output: tests/Registry.Api.Tests/Fixtures/demo-study-r.json
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
rows <- read.csv("tests/Registry.Api.Tests/Fixtures/demo-study-outcomes.csv", stringsAsFactors = FALSE)
months <- 30.4375
# Each arm, and the analysis plan's pooled groups (src/Registry.Demo/Protocols/npc-rm-2l.json).
groups <- list(ITC = "ITC", IT = "IT", IC = "IC", C = "C", "ITC+IT" = c("ITC", "IT"), "IC+C" = c("IC", "C"))
landmarks <- c(6, 12, 24)

medians <- function(time, status, arm) {
  out <- list()
  for (g in names(groups)) {
    s <- arm %in% groups[[g]]
    fit <- survfit(Surv(time[s] / months, status[s]) ~ 1)
    tab <- summary(fit)$table
    at <- summary(fit, times = landmarks, extend = TRUE)
    # Past the last follow-up S(t) is unknown (NA), unless every patient had the event and the curve stays at 0.
    beyond <- landmarks > max(fit$time) & min(fit$surv) > 0
    out[[g]] <- list(median = unname(tab["median"]), lower = unname(tab["0.95LCL"]), upper = unname(tab["0.95UCL"]),
                     n = unname(tab["records"]), events = unname(tab["events"]),
                     landmarks = lapply(seq_along(landmarks), function(i) list(
                       months = landmarks[i], survival = if (beyond[i]) NA else at$surv[i],
                       lower = if (beyond[i]) NA else at$lower[i], upper = if (beyond[i]) NA else at$upper[i])))
  }
  out
}

compare <- function(time, status, arm, experimental, reference) {
  keep <- arm %in% c(groups[[experimental]], groups[[reference]])
  x <- as.integer(arm[keep] %in% groups[[experimental]])
  fit <- coxph(Surv(time[keep], status[keep]) ~ x, ties = "efron", control = suppressWarnings(coxph.control(eps = 1e-12, iter.max = 50)))
  ci <- summary(fit)$conf.int
  lr <- survdiff(Surv(time[keep], status[keep]) ~ x)
  list(arm = experimental, reference = reference,
       hr = unname(exp(coef(fit))), lower = unname(ci[1, "lower .95"]), upper = unname(ci[1, "upper .95"]),
       p = unname(summary(fit)$coefficients[1, "Pr(>|z|)"]),
       logRankP = 1 - pchisq(lr$chisq, length(lr$n) - 1), n = sum(keep), events = sum(status[keep]))
}

# The analysis plan's comparisons, in its order (arm vs reference).
pairs <- list(c("IC+C", "ITC+IT"), c("ITC", "IT"), c("ITC", "IC"), c("ITC", "C"), c("IT", "IC"), c("IT", "C"))
endpoint <- function(time, status) list(
  medians = medians(time, status, rows$arm),
  comparisons = lapply(pairs, function(p) compare(time, status, rows$arm, p[1], p[2])))
result <- list(
  r = R.version.string, survival = as.character(packageVersion("survival")),
  pfs = endpoint(rows$pfs_days, rows$pfs_event),
  os = endpoint(rows$os_days, rows$os_event))
write_json(result, "tests/Registry.Api.Tests/Fixtures/demo-study-r.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
