# Reference values for the demo study's survival views, from the very rows the registry derives.
# Run from the repository root:  Rscript tests/Registry.Api.Tests/R/demo_study.R
# Input:  tests/Registry.Api.Tests/Fixtures/demo-study-outcomes.csv (one row per treated patient; times in days)
# Output: tests/Registry.Api.Tests/Fixtures/demo-study-r.json
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
rows <- read.csv("tests/Registry.Api.Tests/Fixtures/demo-study-outcomes.csv", stringsAsFactors = FALSE)
months <- 30.4375

medians <- function(time, status, arm) {
  out <- list()
  for (a in c("ITC", "IT", "IC", "C")) {
    s <- arm == a
    tab <- summary(survfit(Surv(time[s] / months, status[s]) ~ 1))$table
    out[[a]] <- list(median = unname(tab["median"]), lower = unname(tab["0.95LCL"]), upper = unname(tab["0.95UCL"]),
                     n = unname(tab["records"]), events = unname(tab["events"]))
  }
  out
}

compare <- function(time, status, arm, experimental, reference) {
  keep <- arm %in% c(experimental, reference)
  x <- as.integer(arm[keep] %in% experimental)
  fit <- coxph(Surv(time[keep], status[keep]) ~ x, ties = "efron", control = coxph.control(eps = 1e-12, iter.max = 50))
  ci <- summary(fit)$conf.int
  lr <- survdiff(Surv(time[keep], status[keep]) ~ x)
  list(arm = paste(experimental, collapse = "+"), reference = paste(reference, collapse = "+"),
       hr = unname(exp(coef(fit))), lower = unname(ci[1, "lower .95"]), upper = unname(ci[1, "upper .95"]),
       p = unname(summary(fit)$coefficients[1, "Pr(>|z|)"]),
       logRankP = 1 - pchisq(lr$chisq, length(lr$n) - 1), n = sum(keep), events = sum(status[keep]))
}

pairs <- list(list(c("ITC", "IT"), c("IC", "C")), list("ITC", "IT"), list("ITC", "IC"), list("ITC", "C"),
              list("IT", "IC"), list("IT", "C"))
result <- list(
  r = R.version.string, survival = as.character(packageVersion("survival")),
  pfs = list(medians = medians(rows$pfs_days, rows$pfs_event, rows$arm),
             comparisons = lapply(pairs, function(p) compare(rows$pfs_days, rows$pfs_event, rows$arm, p[[1]], p[[2]]))),
  os = list(medians = medians(rows$os_days, rows$os_event, rows$arm),
            comparisons = list(compare(rows$os_days, rows$os_event, rows$arm, "ITC", "C"))))
write_json(result, "tests/Registry.Api.Tests/Fixtures/demo-study-r.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
