/**
 * Example operations: the explorer's first tabs, the README's first query and the test fixtures use
 * these same texts, so what a newcomer pastes is what CI proves.
 */
/** Orders on the floor that are past their planned end: picked by filter, so it finds them on any day. */
export const FIRST_QUERY = `query FirstLook {
  productionOrders(plant: "1000", status: [PARTIALLY_CONFIRMED], dueStatus: [LATE], orderBy: PLANNED_END_ASC, first: 5) {
    totalCount
    edges {
      node {
        id
        status
        plannedEnd
        dueStatus
        expectedEnd
        plannedQuantity
        unit
        confirmedQuantity
        producedQuantity
        progress
        excludedWorkOrders { reason message }
        material { id description baseUnit totalStock(plant: "1000") }
        workOrders { id status currentOperation { sequence description equipment { name state } } }
      }
    }
  }
}`;

/** The planner's morning list: late and at-risk orders, soonest due first, with what holds them up. */
export const DUE_LIST_QUERY = `query DueList($plant: ID, $first: Int = 20) {
  productionOrders(plant: $plant, dueStatus: [LATE, AT_RISK], orderBy: PLANNED_END_ASC, first: $first) {
    totalCount
    edges {
      node {
        id status dueStatus plannedEnd expectedEnd progress unit plannedQuantity producedQuantity
        material { description }
        workOrders { id status currentOperation { sequence description equipment { id name state stateSince } } }
      }
    }
  }
}`;

/** The supervisor's view of the machines: what runs, what is next, and how the last day went. */
export const MACHINES_QUERY = `query Machines($plant: ID) {
  equipmentList(plant: $plant) {
    id name workCenter state stateSince
    currentOperation { sequence description startedAt workOrder { id productionOrder { id dueStatus plannedEnd } } }
    queue(first: 3) { sequence description workOrder { id plannedStart } }
    stateHistory { state from to durationSeconds }
  }
}`;

export const CROSS_SYSTEM_QUERY = `query CrossSystem($first: Int = 50, $plant: ID) {
  productionOrders(first: $first, plant: $plant) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id
        plant
        status
        plannedQuantity
        unit
        confirmedQuantity
        producedQuantity
        scrapQuantity
        progress
        material {
          id
          description
          baseUnit
          stock { plant storageLocation quantity unit }
          lots { id quantity unit status }
        }
        workOrders {
          id
          status
          quantity
          unit
          operations { sequence description status goodQuantity scrapQuantity equipment { id name state } }
        }
      }
    }
  }
}`;

export const ORDER_QUERY = `query Order($id: ID!) {
  productionOrder(id: $id) {
    id status plannedQuantity unit confirmedQuantity producedQuantity scrapQuantity progress
    routing { sequence description workCenter }
    workOrders { id status currentOperation { sequence description equipment { name state } } }
  }
}`;

/** Live: runs over graphql-ws from the explorer; `after` (an eventId) resumes after a reconnect. */
export const PROGRESS_SUBSCRIPTION = `subscription LiveProgress($plant: ID, $after: ID) {
  productionOrderProgress(plant: $plant, after: $after) {
    eventId occurredAt kind operationSequence goodQuantityDelta scrapQuantityDelta producedQuantity progress
    productionOrder { id plannedQuantity unit scrapQuantity dueStatus plannedEnd material { description } }
    workOrder { id status currentOperation { sequence description equipment { name state } } }
  }
}`;

export const EXAMPLE_OPERATIONS = [
  { query: FIRST_QUERY },
  { query: CROSS_SYSTEM_QUERY, variables: JSON.stringify({ first: 50, plant: '1000' }, null, 2) },
  { query: DUE_LIST_QUERY, variables: JSON.stringify({ plant: '1000', first: 20 }, null, 2) },
  { query: MACHINES_QUERY, variables: JSON.stringify({ plant: '1000' }, null, 2) },
  { query: PROGRESS_SUBSCRIPTION, variables: JSON.stringify({ plant: '1000' }, null, 2) },
];
