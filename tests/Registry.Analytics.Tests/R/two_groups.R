# Reference values for two groups compared from counts per day (TwoGroupComparison), from R's survival package:
# coxph(Surv(day, status) ~ experimental [+ strata(s)], ties = "efron") and survdiff of the same.
# Run from the repository root:
#   Rscript tests/Registry.Analytics.Tests/R/two_groups.R
# Writes tests/Registry.Analytics.Tests/Fixtures/TwoGroups/*.json (input data + R's results at full precision).
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
stopifnot(packageVersion("survival") >= "3.5")

folder <- "tests/Registry.Analytics.Tests/Fixtures/TwoGroups"
dir.create(folder, recursive = TRUE, showWarnings = FALSE)
source_note <- sprintf("%s, survival %s", R.version.string, packageVersion("survival"))

two_groups <- function(id, description, day, status, experimental, strata = NULL) {
  d <- data.frame(day = day, status = status, experimental = experimental)
  rhs <- "experimental"
  if (!is.null(strata)) {
    d$s <- as.character(strata)
    rhs <- paste(rhs, "+ strata(s)")
  }
  form <- as.formula(paste("Surv(day, status) ~", rhs))
  warns <- character(0)
  fit <- withCallingHandlers(coxph(form, data = d, ties = "efron"),
                             warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  s <- summary(fit)
  # survdiff orders the groups by factor level: reference (0) first, experimental (1) second.
  lr <- survdiff(form, data = d)
  infinite <- any(grepl("coefficient may be infinite", warns))
  fixture <- list(
    id = id, description = description, source = source_note,
    call = c(paste("coxph(", deparse(form), ", ties = \"efron\")"), paste("survdiff(", deparse(form), ")")),
    input = list(day = as.integer(day), status = as.integer(status), experimental = as.integer(experimental),
                 strata = if (is.null(strata)) NA else as.character(strata)),
    expected = list(
      n = fit$n, events = fit$nevent,
      coef = unname(coef(fit)), se = unname(sqrt(diag(fit$var))),
      hrLower = unname(s$conf.int[1, 3]), hrUpper = unname(s$conf.int[1, 4]),
      p = unname(s$coefficients[1, "Pr(>|z|)"]),
      logLikelihood = unname(fit$loglik), iterations = fit$iter, flaggedInfinite = infinite,
      warnings = I(warns),
      logRank = list(chiSquare = unname(lr$chisq), p = pchisq(lr$chisq, 1, lower.tail = FALSE),
                     observed = rev(unname(if (is.matrix(lr$obs)) rowSums(lr$obs) else lr$obs)),
                     expected = rev(unname(if (is.matrix(lr$exp)) rowSums(lr$exp) else lr$exp)))))
  write_json(fixture, file.path(folder, paste0(id, ".json")), digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
}

# lung (NCCTG): whole days, status recoded 0/1, women (sex 2) as the experimental group.
two_groups("lung_women", "lung (NCCTG), women vs men", lung$time, lung$status - 1, as.integer(lung$sex == 2))

set.seed(20261206)
n <- 1500
experimental <- rbinom(n, 1, 0.5)
site <- sample(c("north", "south", "east"), n, replace = TRUE)
event_day <- ceiling(rexp(n, 0.01 * exp(-0.35 * experimental)))
censor_day <- sample(0:120, n, replace = TRUE)
day <- pmin(event_day, censor_day)
status <- as.integer(event_day <= censor_day)
two_groups("heavy_ties", "seed 20261206, n = 1500, days 0-120 (heavy ties, day 0 included)", day, status, experimental)
two_groups("heavy_ties_strata", "as heavy_ties, strata(site) of three sites", day, status, experimental, strata = site)

# The experimental group has no events: the likelihood rises without bound as its coefficient falls.
tiny_day <- c(3, 3, 5, 8, 8, 8, 2, 4, 4, 9)
tiny_status <- c(1, 1, 0, 1, 0, 1, 0, 0, 0, 0)
tiny_experimental <- c(0, 0, 0, 0, 0, 0, 1, 1, 1, 1)
two_groups("experimental_without_events", "10 patients, the experimental group all censored (monotone likelihood)",
           tiny_day, tiny_status, tiny_experimental)
two_groups("tiny_ties", "6 patients, every event tied across the groups",
           c(2, 2, 2, 5, 5, 7), c(1, 1, 0, 1, 1, 0), c(0, 1, 1, 0, 1, 0))
