#!/usr/bin/env python3
"""Walks Herald's web console in a real headless browser (Debian's chromium through
chromium-driver, driven with selenium), as the front desk would:

    console_browser.py --base URL --key KEY --customer NAME --other-booking PATH
                       --screenshot-dir DIR

1. opens /console and is sent to sign in; signs in with KEY;
2. searches for NAME and opens the booking whose customer it is;
3. reads the booking's notifications (the confirmation must be there);
4. cancels the booking from the page, through its confirmation step, and waits
   (reloading, at most 60 s) until the cancellation notice shows as sent;
5. opens PATH, a booking of another tenant, and reads the answer;
6. opens every other page (log, needs attention, settings, templates, one
   template with a preview of an edit) and checks none runs a script;
7. posts the settings form with its CSRF token removed, and reads the answer;
8. signs out, then opens the bookings again;
9. with --admin-key, signs in as the operator: the channels page, a tenant
   picked from the picker, the log of every tenant.

Prints one JSON object on stdout with what each step saw; the test judges it.
Saves a screenshot of each page in DIR (test artefacts). Exits non-zero, with
the reason on stderr, when the browser cannot start or an element is missing.
"""
import argparse
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def browser(width):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},900", "--disable-extensions", "--no-first-run"):
        options.add_argument(argument)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


class Walk:
    def __init__(self, driver, base, screenshots):
        self.driver = driver
        self.base = base.rstrip("/")
        self.screenshots = screenshots
        self.shots = 0

    def page(self, name):
        """What the page says, and a screenshot of it under NN-name.png."""
        driver = self.driver
        self.shots += 1
        # The whole page in one picture: the window as tall as the document.
        width = driver.get_window_size()["width"]
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, max(900, min(height + 100, 8000)))
        driver.save_screenshot(os.path.join(self.screenshots, f"{self.shots:02d}-{name}.png"))
        driver.set_window_size(width, 900)
        h1 = driver.find_elements(By.TAG_NAME, "h1")
        return {
            "url": driver.current_url,
            "title": driver.title,
            "h1": h1[0].text if h1 else "",
            "text": driver.find_element(By.TAG_NAME, "body").text,
            "scripts": len(driver.find_elements(By.TAG_NAME, "script")),
            # Every form field has a label the browser associates with it.
            "unlabelled": driver.execute_script(
                "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
                ".filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"),
        }

    def open(self, path):
        self.driver.get(self.base + path)

    def submit(self, element):
        """Clicks a button or link and waits for the next page to have loaded: a mark
        left on this page's window is gone from the next one. (Waiting for the old
        element to go stale races chromedriver: mid-navigation it may answer that the
        node "does not belong to the document".)"""
        self.driver.execute_script("window.consoleWalkMark = true")
        element.click()
        WebDriverWait(self.driver, 30, poll_frequency=0.1, ignored_exceptions=(WebDriverException,)).until(
            lambda driver: driver.execute_script(
                "return !window.consoleWalkMark && document.readyState === 'complete'"))

    def rows(self, table_id):
        return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
                for row in self.driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--customer", required=True)
    parser.add_argument("--other-booking", required=True)
    parser.add_argument("--screenshot-dir", required=True)
    parser.add_argument("--admin-key", help="then sign in with this admin key: channels, the tenant picker")
    parser.add_argument("--admin-tenant", default="", help="the tenant to pick with the admin key")
    parser.add_argument("--width", type=int, default=390, help="window width: 390 is a phone")
    arguments = parser.parse_args()
    os.makedirs(arguments.screenshot_dir, exist_ok=True)

    driver = browser(arguments.width)
    report = {}
    try:
        driver.set_page_load_timeout(30)
        walk = Walk(driver, arguments.base, arguments.screenshot_dir)

        # 1. Signed out, the console sends the browser to sign in.
        walk.open("/console")
        report["sign_in"] = walk.page("sign-in")
        driver.find_element(By.ID, "api_key").send_keys(arguments.key)
        walk.submit(driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        report["bookings"] = walk.page("bookings-today")
        cookie = driver.get_cookie("herald_console") or {}
        report["cookie"] = {key: cookie.get(key) for key in ("value", "httpOnly", "sameSite", "path", "secure")}

        # 2. Find the booking by the customer's name.
        search = driver.find_element(By.ID, "q")
        search.send_keys(arguments.customer)
        walk.submit(driver.find_element(By.CSS_SELECTOR, "form[role=search] button"))
        report["search"] = walk.page("search")
        links = [link for link in driver.find_elements(By.CSS_SELECTOR, "a.customer") if link.text == arguments.customer]
        report["search"]["matches"] = len(links)
        if not links:
            print(json.dumps(report))
            print(f"no booking of {arguments.customer!r} in the search results", file=sys.stderr)
            return 3
        link = links[0]
        walk.submit(link)

        # 3. The booking's timeline.
        report["booking"] = walk.page("booking")
        report["booking"]["timeline"] = walk.rows("timeline")

        # 4. Cancel it, through the confirmation step.
        driver.find_element(By.ID, "reason").send_keys("Closed for the holiday")
        walk.submit(driver.find_element(By.ID, "cancel"))
        report["confirm"] = walk.page("confirm-cancel")
        walk.submit(driver.find_element(By.ID, "confirm-action"))
        report["cancelled"] = walk.page("booking-cancelled")
        deadline = time.monotonic() + 60
        while True:
            timeline = walk.rows("timeline")
            if any("cancellation" in row[1] and "sent" in row[4] for row in timeline) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
            driver.refresh()
        report["cancelled"]["timeline"] = timeline
        report["cancelled"]["status"] = driver.find_element(By.ID, "booking-status").text
        report["notice"] = walk.page("cancellation-notice")

        # 5. Another tenant's booking.
        walk.open(arguments.other_booking)
        report["other_tenant"] = walk.page("other-tenant")

        # 6. Every other page.
        for name, path in (("log", "/console/log"), ("log-failed", "/console/log?outcome=failed"),
                           ("attention", "/console/attention"), ("settings", "/console/settings"),
                           ("templates", "/console/templates"), ("template", "/console/templates/confirmation/email"),
                           ("upcoming", "/console/bookings?view=upcoming"), ("all", "/console/bookings?view=all")):
            walk.open(path)
            report[name] = walk.page(name)
        walk.open("/console/templates/confirmation/sms")
        body = driver.find_element(By.ID, "body")
        body.clear()
        body.send_keys("Hi {{customer_name}}, see you {{date}} at {{time}}. Draft, not saved.")
        walk.submit(driver.find_element(By.ID, "preview"))
        report["preview"] = walk.page("template-preview")
        report["preview"]["rendered"] = driver.find_element(By.ID, "preview-text").text

        # 7. A form without its CSRF token.
        walk.open("/console/settings")
        driver.execute_script("document.querySelector('form.settings input[name=csrf]').remove()")
        walk.submit(driver.find_element(By.ID, "save-settings"))
        report["no_csrf"] = walk.page("no-csrf")

        # 8. Sign out; the bookings are then out of reach.
        walk.open("/console/bookings")
        walk.submit(driver.find_element(By.ID, "sign-out"))
        report["signed_out"] = walk.page("signed-out")
        walk.open("/console/bookings")
        report["after_sign_out"] = walk.page("after-sign-out")

        # 9. The operator: an admin key sees the channels and picks a tenant.
        if arguments.admin_key:
            driver.find_element(By.ID, "api_key").send_keys(arguments.admin_key)
            walk.submit(driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
            walk.open("/console/channels")
            report["channels"] = walk.page("channels")
            report["channels"]["workers"] = walk.rows("workers")
            walk.open("/console/bookings?view=all")
            Select(driver.find_element(By.ID, "tenant-picker")).select_by_value(arguments.admin_tenant)
            walk.submit(driver.find_element(By.CSS_SELECTOR, "form.picker button"))
            report["picked"] = walk.page("admin-picked-tenant")
            walk.open("/console/log")
            report["admin_log"] = walk.page("admin-log-all-tenants")
        print(json.dumps(report))
        return 0
    except TimeoutException as error:
        print(json.dumps(report))
        print(f"timed out at {driver.current_url}: {error}", file=sys.stderr)
        return 4
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
